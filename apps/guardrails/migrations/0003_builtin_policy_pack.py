"""Install the built-in policy pack (apps/guardrails/pack.py); `manage.py sync_policies`
re-syncs it later."""

from django.db import migrations


def install(apps, schema_editor):
    from apps.guardrails.pack import sync

    sync(apps.get_model("guardrails", "GovernancePolicy"))


class Migration(migrations.Migration):
    dependencies = [("guardrails", "0002_policy_codes_findings_project_evaluations")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
