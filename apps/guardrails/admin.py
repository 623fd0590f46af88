"""Guardrails in the admin. Policies are written through `policy_create`/`policy_update` (the
rule JSON validated as the API validates it; built-in policies are read-only for everyone but
superusers). Findings and evaluations are computed records: their facts are read-only, and
they change only through actions that call the API's services — waive, revoke the waiver,
mark or unmark a false positive (the guardrail `override` right, as in the API), evaluate a
blueprint version (the "add" page)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from apps.accounts import rbac
from apps.blueprints.selectors import blueprint_version_for_admin
from apps.core.admin import AppendOnlyAdmin, DharmaModelAdmin
from apps.core.admin_actions import (
    NOT_ALLOWED,
    ServiceFormAdmin,
    action_form,
    changed_fields,
    domain_error_to_form,
    each,
)
from apps.core.exceptions import DomainError
from apps.guardrails import selectors, services
from apps.guardrails.models import (
    ArchitecturePattern,
    ComplianceAssessment,
    ComplianceFramework,
    GovernancePolicy,
    GuardrailEvaluation,
    PatternApproval,
    PolicyViolation,
)

POLICY_WRITERS = ("policy", "guardrail")


def _reach(row) -> dict:
    """The row's project for `rbac.allows` (a row outside any project: any grant reaches it)."""
    return {"project_id": row.project_id if row.project_id else rbac.ANY}


class PolicyForm(forms.ModelForm):
    """The finding severity lives in the rule; chosen here as in the API."""

    rule_severity = forms.ChoiceField(
        label="finding severity",
        choices=[(s, s) for s in ("critical", "high", "medium", "low", "info")],
        initial="medium",
    )

    class Meta:
        model = GovernancePolicy
        fields = (
            "code", "name", "description", "category", "policy_type", "status",
            "enforcement_level", "rule_severity", "policy_rules", "effective_from",
            "effective_until", "exemptions_allowed", "version",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["rule_severity"].initial = selectors.rule_severity(self.instance)
        for name in ("effective_from", "policy_type"):
            if name in self.fields:
                self.fields[name].required = False

    def _post_clean(self):
        # The rule is validated by the service (InvalidPolicy as form errors), not by the
        # model's clean(), which would report it twice.
        pass


@admin.register(GovernancePolicy)
class GovernancePolicyAdmin(ServiceFormAdmin, DharmaModelAdmin):
    form = PolicyForm
    list_display = (
        "code",
        "name",
        "policy_type",
        "severity",
        "enforcement_level",
        "status",
        "tenant",
        "version",
    )
    list_filter = ("enforcement_level", "severity", "status", "policy_type")
    list_select_related = ("tenant",)
    search_fields = ("code", "name", "description", "category")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # Built-in policies (no tenant) are read by every tenant, as in the API.
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            models.Q(tenant__isnull=True) | models.Q(tenant_id=request.user.tenant_id)
        )

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return [field.name for field in self.model._meta.fields]
        return super().get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.tenant_id is None and not request.user.is_superuser:
            return False  # built-ins are read-only: add a policy of your own
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.tenant_id is None and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def service_save(self, request, form, change):
        user = request.user
        if not rbac.allows(user, POLICY_WRITERS, "update" if change else "create"):
            raise DomainError(f"Policies: {NOT_ALLOWED}")
        fields = changed_fields(form, change)
        severity = fields.pop("rule_severity", None)
        if change:
            return services.policy_update(
                policy=form.instance,
                **({"severity": severity} if severity else {}),
                **fields,
            )
        for name in ("effective_from", "policy_type"):  # the service's defaults
            if not fields.get(name):
                fields.pop(name, None)
        return services.policy_create(user=user, severity=severity or "medium", **fields)

    def delete_model(self, request, obj):
        if not rbac.allows(request.user, POLICY_WRITERS, "delete"):
            raise PermissionDenied
        services.policy_delete(policy=obj)

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            self.delete_model(request, policy)


class WaiverForm(forms.Form):
    reason = forms.CharField(min_length=10, max_length=2000, widget=forms.Textarea({"rows": 3}))
    expires_at = forms.DateTimeField(
        required=False,
        help_text="Optional: when the waiver stops applying (YYYY-MM-DD HH:MM, UTC).",
    )


class FalsePositiveForm(forms.Form):
    reason = forms.CharField(min_length=10, max_length=2000, widget=forms.Textarea({"rows": 3}))


@admin.register(PolicyViolation)
class PolicyViolationAdmin(DharmaModelAdmin):
    """Findings are made by evaluations: their facts are read-only. Waivers and false
    positives are actions calling the guardrails services, with the guardrail `override`
    right in the finding's project (TA, Admin), as in the API."""

    list_display = (
        "policy",
        "resource_type",
        "resource_name",
        "severity",
        "status",
        "detected_at",
        "exemption_expires_at",
    )
    list_filter = ("severity", "status", "resource_type", "detected_by", "exemption_approved")
    list_select_related = ("policy",)
    search_fields = ("resource_name", "violation_details", "policy__name")
    date_hierarchy = "detected_at"
    actions = ["waive", "unwaive", "mark_false_positive", "unmark_false_positive"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the actions change findings, through the services

    def _may_override(self, request):
        return lambda finding: rbac.allows(request.user, "guardrail", "override", **_reach(finding))

    @admin.action(description="Waive (reason, optional expiry)", permissions=["view"])
    def waive(self, request, queryset):
        def apply(data):
            each(
                self, request, queryset.select_related("policy"),
                may=self._may_override(request),
                change=lambda finding: services.waiver_grant(
                    finding=finding, user=request.user, reason=data["reason"],
                    expires_at=data["expires_at"],
                ),
                done="finding(s) waived",
            )  # fmt: skip

        return action_form(
            self, request, queryset, form_class=WaiverForm, title="Waive findings",
            submit="Waive", apply=apply,
            intro="Findings of hard-fail policies cannot be waived.",
        )  # fmt: skip

    @admin.action(description="Revoke the waiver", permissions=["view"])
    def unwaive(self, request, queryset):
        each(
            self, request, queryset, may=self._may_override(request),
            change=lambda finding: services.waiver_revoke(finding=finding),
            done="waiver(s) revoked",
        )  # fmt: skip

    @admin.action(description="Mark as false positive (reason)", permissions=["view"])
    def mark_false_positive(self, request, queryset):
        def apply(data):
            each(
                self, request, queryset, may=self._may_override(request),
                change=lambda finding: services.finding_mark_false_positive(
                    finding=finding, user=request.user, reason=data["reason"]
                ),
                done="finding(s) marked as false positives",
            )  # fmt: skip

        return action_form(
            self, request, queryset, form_class=FalsePositiveForm,
            title="Mark findings as false positives", submit="Mark as false positive",
            apply=apply,
            intro="A false positive stops blocking, hard-fail findings included; who and why "
            "are recorded.",
        )  # fmt: skip

    @admin.action(description="Unmark false positive", permissions=["view"])
    def unmark_false_positive(self, request, queryset):
        each(
            self, request, queryset, may=self._may_override(request),
            change=lambda finding: services.finding_unmark_false_positive(finding=finding),
            done="finding(s) standing again",
        )  # fmt: skip


@admin.register(ArchitecturePattern)
class ArchitecturePatternAdmin(DharmaModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "pattern_type", "category", "status", "usage_count", "updated_at")
    list_filter = ("pattern_type", "category", "status")
    search_fields = ("name", "description")
    date_hierarchy = "created_at"


@admin.register(PatternApproval)
class PatternApprovalAdmin(DharmaModelAdmin):
    list_display = ("pattern", "status", "requested_by", "requested_at", "reviewed_at")
    list_filter = ("status",)
    list_select_related = ("pattern", "requested_by")
    search_fields = ("pattern__name", "comments")
    date_hierarchy = "requested_at"


@admin.register(ComplianceFramework)
class ComplianceFrameworkAdmin(DharmaModelAdmin):
    list_display = (
        "name",
        "framework_version",
        "status",
        "certification_required",
        "next_audit_date",
    )
    list_filter = ("status", "certification_required", "audit_frequency")
    search_fields = ("name", "description")
    date_hierarchy = "created_at"


@admin.register(ComplianceAssessment)
class ComplianceAssessmentAdmin(DharmaModelAdmin):
    list_display = (
        "framework",
        "assessment_date",
        "status",
        "compliance_score",
        "total_controls",
        "assessed_by",
    )
    list_filter = ("status",)
    list_select_related = ("framework", "assessed_by")
    search_fields = ("framework__name", "scope")
    date_hierarchy = "assessment_date"


class EvaluateForm(forms.Form):
    blueprint_version = forms.UUIDField(help_text="The id of the blueprint version to evaluate.")
    environment = forms.ChoiceField(
        choices=[("", "(none)"), ("dev", "dev"), ("staging", "staging"),
                 ("production", "production")],
        required=False,
        help_text="Production rules run only in production evaluations.",
    )  # fmt: skip


@admin.register(GuardrailEvaluation)
class GuardrailEvaluationAdmin(AppendOnlyAdmin):
    """Evaluations are computed: reviewed here, never typed. "Add" evaluates a blueprint version
    through the service the API uses (the guardrail or policy `create` right in its project)."""

    list_display = (
        "blueprint",
        "blueprint_version",
        "score",
        "passed",
        "blocked",
        "policies_evaluated",
        "duration_ms",
        "created_at",
    )
    list_filter = ("passed", "blocked", "environment")
    list_select_related = ("blueprint", "blueprint_version")
    search_fields = ("blueprint__name",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"blueprint_version": request.GET.get("blueprint_version", "")}
        form = EvaluateForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                evaluation = self._evaluate(request, form.cleaned_data)
            except DomainError as exc:
                domain_error_to_form(form, exc)
            else:
                self.message_user(
                    request,
                    f"Evaluated: score {evaluation.score}, "
                    + ("passed." if evaluation.passed else "did not pass."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:guardrails_guardrailevaluation_change", args=[evaluation.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Evaluate a blueprint version",
            "form": form,
            "opts": self.model._meta,
            "submit": "Evaluate",
        }
        return TemplateResponse(request, "admin/guardrails/evaluate.html", context)

    def _evaluate(self, request, data) -> GuardrailEvaluation:
        version = blueprint_version_for_admin(user=request.user, pk=data["blueprint_version"])
        if not rbac.allows(
            request.user, ("guardrail", "policy"), "create",
            project_id=version.blueprint.project_id,
        ):  # fmt: skip
            raise DomainError(f"Evaluations: {NOT_ALLOWED}")
        return services.evaluation_create(
            user=request.user, version=version, environment=data["environment"]
        )


# --- "Evaluate" on blueprint versions ----------------------------------------------------------
# Guardrails come after blueprints in the apps' order, so the action is added to the blueprint
# versions' admin from here (blueprints never import guardrails).


class EnvironmentForm(forms.Form):
    environment = EvaluateForm.base_fields["environment"]


@admin.action(description="Evaluate guardrails", permissions=["view"])
def evaluate_versions(model_admin, request, queryset):
    evaluations = GuardrailEvaluationAdmin(GuardrailEvaluation, model_admin.admin_site)

    def apply(data):
        each(
            model_admin, request, queryset,
            may=lambda version: True,  # checked with the version's project in _evaluate
            change=lambda version: evaluations._evaluate(
                request, {"blueprint_version": version.pk, "environment": data["environment"]}
            ),
            done="version(s) evaluated",
        )  # fmt: skip

    return action_form(
        model_admin, request, queryset, form_class=EnvironmentForm,
        title="Evaluate guardrails", submit="Evaluate", apply=apply,
        intro="Evaluates each version against the policies in force (production rules run "
        "only in production evaluations); the evaluations are listed under Guardrail "
        "evaluations.",
    )  # fmt: skip


def _add_version_action() -> None:
    from apps.blueprints.admin import BlueprintVersionAdmin

    if evaluate_versions not in BlueprintVersionAdmin.actions:
        BlueprintVersionAdmin.actions = [*BlueprintVersionAdmin.actions, evaluate_versions]


_add_version_action()
