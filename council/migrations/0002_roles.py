from django.db import migrations

ROLES = [
    "councillor",
    "monitoring_officer",
    "deputy_monitoring_officer",
    "independent_person",
    "member_services",
    "communications",
    "report_viewer",
    "administrator",
]

# Django model permissions for the admin site; the portal's own pages check
# roles through council.roles.CAPABILITIES.
ROLE_MODEL_PERMISSIONS = {
    "member_services": [
        "view_authority",
        "add_councillor",
        "change_councillor",
        "view_councillor",
        "add_committee",
        "change_committee",
        "view_committee",
        "add_committeemembership",
        "change_committeemembership",
        "delete_committeemembership",
        "view_ward",
        "add_ward",
        "view_politicalgroup",
        "add_politicalgroup",
        "view_invitation",
    ],
    "administrator": None,  # every permission of the council app
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        codenames = ROLE_MODEL_PERMISSIONS.get(name, [])
        perms = Permission.objects.filter(content_type__app_label="council")
        if codenames is not None:
            perms = perms.filter(codename__in=codenames)
        if name in ROLE_MODEL_PERMISSIONS:
            group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("council", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
