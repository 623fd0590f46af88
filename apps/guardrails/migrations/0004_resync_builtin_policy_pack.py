"""Re-sync the built-in policy pack (2026.11.2): the storage-account public-access rule now
maps to Checkov's CKV_AZURE_190 and requires the setting, and CKV_AZURE_59 (public network
access) is a rule of its own."""

from django.db import migrations


def resync(apps, schema_editor):
    from apps.guardrails.pack import sync

    sync(apps.get_model("guardrails", "GovernancePolicy"))


class Migration(migrations.Migration):
    dependencies = [("guardrails", "0003_builtin_policy_pack")]

    operations = [migrations.RunPython(resync, migrations.RunPython.noop)]
