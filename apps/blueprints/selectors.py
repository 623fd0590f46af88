"""Reads of blueprint versions for views and other apps."""

from django.shortcuts import get_object_or_404

from apps.blueprints.models import Blueprint, BlueprintVersion


def blueprint_version_list(*, blueprint: Blueprint):
    return (
        BlueprintVersion.objects.filter(blueprint=blueprint)
        .select_related("parent_version")
        .defer("graph_json")
        .order_by("-version_number")
    )


def blueprint_version_get(*, blueprint: Blueprint, number: int) -> BlueprintVersion:
    version = get_object_or_404(
        BlueprintVersion.objects.select_related("parent_version"),
        blueprint=blueprint,
        version_number=number,
    )
    version.blueprint = blueprint  # already loaded: no query to reach its project
    return version
