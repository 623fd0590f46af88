from django.apps import AppConfig


class IacConfig(AppConfig):
    name = "apps.iac"
    verbose_name = "IaC generation"
