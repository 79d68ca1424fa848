"""The LGA model Code of Conduct (2020) headings and the legal risks the
protocol names, as data a council can change."""

from django.db import migrations

HEADINGS = [
    (1, "Respect"),
    (2, "Bullying, harassment and discrimination"),
    (3, "Impartiality of officers of the council"),
    (4, "Confidentiality and access to information"),
    (5, "Disrepute"),
    (6, "Use of position"),
    (7, "Use of local authority resources and facilities"),
    (8, "Complying with the Code of Conduct"),
    (9, "Interests"),
    (10, "Gifts and hospitality"),
]
CONCERNS = [
    "Data protection",
    "Defamation",
    "Copyright",
    "Harassment",
    "Incitement",
    "Discrimination (Equality Act 2010 protected characteristics)",
    "Malicious or obscene communications",
    "Reporting restrictions and contempt of court",
]


def seed(apps, schema_editor):
    CodeHeading = apps.get_model("complaints", "CodeHeading")
    LegalConcern = apps.get_model("complaints", "LegalConcern")
    for number, title in HEADINGS:
        CodeHeading.objects.get_or_create(number=number, defaults={"title": title})
    for order, title in enumerate(CONCERNS, start=1):
        LegalConcern.objects.get_or_create(title=title, defaults={"order": order})


def unseed(apps, schema_editor):
    apps.get_model("complaints", "CodeHeading").objects.filter(number__in=[n for n, _ in HEADINGS]).delete()
    apps.get_model("complaints", "LegalConcern").objects.filter(title__in=CONCERNS).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
