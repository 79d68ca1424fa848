from __future__ import annotations

app_name = "protocol"

urlpatterns: list = []
