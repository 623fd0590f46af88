"""Admin writes that go through the services, as the API's do.

- `ServiceFormAdmin`: the add/change form's save calls a service (`service_save`) while the form
  is validated, so the service's refusals (`DomainError`) become form errors and nothing is
  written; `save_model` writes nothing itself.
- `each(...)`: an admin action applying a service to each selected row, checking the acting
  user's rights per row; refusals are error messages, never "changed successfully".
- `action_form(...)`: an action that needs input (a reason, an expiry, an environment) shows an
  intermediate page, as Django's delete confirmation does, then applies the service.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.core.exceptions import DomainError

NOT_ALLOWED = "your roles do not allow this."


def domain_error_to_form(form: forms.BaseForm, exc: DomainError) -> None:
    """The service's refusal as form errors: its fields on the form's fields, the rest (and the
    message) at the top of the form."""
    placed = False
    for field, errors in (exc.fields or {}).items():
        messages_ = [str(error) for error in (errors if isinstance(errors, list) else [errors])]
        if field in form.fields:
            form.add_error(field, messages_)
            placed = True
        else:
            form.add_error(None, [f"{field}: {message}" for message in messages_])
    if not placed:
        form.add_error(None, exc.message)


class ServiceFormAdmin(admin.ModelAdmin):
    """Add and change forms whose save is a service call (subclasses define `service_save`).

    The call happens in the form's validation, inside the admin's transaction: a refusal is a
    form error and rolls the service's writes back. A user whose roles do not allow the write
    gets a form error too (`service_save` raises `DomainError` for it). For admins without
    inlines only: an invalid inline would be reported after the service has written.
    """

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Any:
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            saved: Any = None

            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    self.saved = model_admin.service_save(request, self, change)
                except DomainError as exc:
                    domain_error_to_form(self, exc)

        return ServiceForm

    def save_form(self, request, form, change):
        return form.saved if form.saved is not None else form.instance

    def save_model(self, request, obj, form, change):
        """The service saved it while the form was validated."""

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


def changed_fields(form: forms.BaseForm, change: bool) -> dict[str, Any]:
    """The cleaned values of the fields the user changed (every field on an add form)."""
    names = form.changed_data if change else list(form.fields)
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


def each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    *,
    may: Callable[[Any], bool],
    change: Callable[[Any], Any],
    done: str,
) -> int:
    """Apply `change` (a service call) to each row the user `may` change; report each refusal
    as an error message and the count done. Returns how many were done."""
    count = 0
    for row in rows:
        if not may(row):
            model_admin.message_user(request, f"{row}: {NOT_ALLOWED}", messages.ERROR)
            continue
        try:
            change(row)
        except DomainError as exc:
            model_admin.message_user(request, f"{row}: {exc.message}", messages.ERROR)
        else:
            count += 1
    if count:
        model_admin.message_user(request, f"{count} {done}.", messages.SUCCESS)
    return count


def action_form(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    *,
    form_class: type[forms.Form],
    title: str,
    submit: str,
    apply: Callable[[dict], None],
    intro: str = "",
):
    """The intermediate page of an action that needs input. The first post (from the changelist)
    shows the form; posting it (`apply`) validates it and calls `apply(cleaned_data)`, which
    reports with messages; then back to the changelist."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        apply(form.cleaned_data)
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit": submit,
        "form": form,
        "rows": list(queryset),
        "opts": model_admin.model._meta,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/dharma_action_form.html", context)


class SoftDeleteAdmin(admin.ModelAdmin):
    """An admin whose delete is the service's soft delete (`deleted_at` set, nothing removed):
    the confirmation lists the selected rows only, not the rows a cascade would remove, and
    asks no delete right on them (none is removed)."""

    def get_deleted_objects(self, objs, request):
        objs = list(objs)
        meta = self.model._meta
        count = {meta.verbose_name_plural if len(objs) != 1 else meta.verbose_name: len(objs)}
        return [f"{meta.verbose_name.capitalize()}: {obj}" for obj in objs], count, set(), []
