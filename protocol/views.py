"""Protocol pages. The views live in two modules; urls.py names them through this one."""

from __future__ import annotations

from .ack_views import (  # noqa: F401  acknowledgements, declarations and compliance live there
    account_add,
    account_edit,
    account_remove,
    acknowledge,
    compliance,
    compliance_csv,
    councillor_history,
    declarations,
    my_accounts,
    my_acknowledgements,
    record_paper,
)
from .page_views import (  # noqa: F401  public pages, comparisons and the draft editor live there
    compare,
    current,
    draft_create,
    draft_delete,
    draft_detail,
    draft_preview,
    draft_publish,
    manage,
    section_add,
    section_delete,
    section_edit,
    section_move,
    version_detail,
    version_list,
)
from .report_views import compliance_pdf  # noqa: F401  the compliance report as a PDF
