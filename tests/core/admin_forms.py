"""The data a browser would post back from a rendered admin add/change page."""

from django import forms


def _field_data(bound_field) -> dict:
    field, widget = bound_field.field, bound_field.field.widget
    name = bound_field.html_name
    value = bound_field.value()
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        names = getattr(widget, "widgets_names", [f"_{i}" for i in range(len(parts))])
        return {
            f"{name}{suffix}": "" if part is None else widget.widgets[i].format_value(part) or ""
            for i, (suffix, part) in enumerate(zip(names, parts, strict=False))
        }
    if isinstance(field, forms.BooleanField):
        return {name: "on"} if value else {}
    if value is None:
        return {name: ""}
    if isinstance(value, (list, tuple)):
        return {name: [str(item) for item in value]}
    prepared = field.prepare_value(value)
    if isinstance(field, forms.JSONField) and not isinstance(prepared, str):
        prepared = field.prepare_value(prepared)
    formatted = widget.format_value(prepared)
    return {name: "" if formatted is None else formatted}


def form_data(response) -> dict:
    """The main form's values and every inline formset (its management form and its forms)."""
    data: dict = {}
    for bound_field in response.context["adminform"].form:
        data.update(_field_data(bound_field))
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for bound_field in formset.management_form:
            data.update(_field_data(bound_field))
        for form in formset.forms:
            for bound_field in form:
                data.update(_field_data(bound_field))
    return data
