"""A stable content hash of a set of generated files."""

import hashlib
from collections.abc import Mapping


def content_hash(files: Mapping[str, str]) -> str:
    """sha256 over the files sorted by name; each name and content is length-prefixed so that
    moving text from one file to another, or renaming a file, changes the hash."""
    digest = hashlib.sha256()
    for name in sorted(files):
        for part in (name.encode(), files[name].encode()):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()
