"""`manage.py load_prices FILE`: import a CSV or JSON price file into price_catalog.

Every row is checked first; any bad row stops the import with exit code 2, a message naming each
bad row and field, and nothing written. So does a file that cannot be read as prices: larger than
DHARMA_PRICE_FILE_MAX_BYTES, not UTF-8, holding a NUL byte, broken CSV (a field over the CSV
field limit) or JSON (nested too deep), or neither .csv nor .json; the message names the line.
Good files are upserted in one transaction: a row with the key (provider, region, resource_type,
sku, pricing_model, effective_date) of an existing one replaces its unit, price, currency and
source; a new effective date adds a row, keeping history.
`--tenant SLUG` stores the rows as that tenant's negotiated prices instead of public ones.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Tenant
from apps.costing import services
from apps.costing.price_files import PriceFileError, read_price_file


class Command(BaseCommand):
    help = "Import list prices from a CSV or JSON file; nothing is written if a row is bad."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv or .json price file")
        parser.add_argument(
            "--tenant",
            metavar="SLUG",
            help="store the rows as this tenant's negotiated prices (default: public list prices)",
        )

    def handle(self, *args, file: Path, tenant: str | None = None, **options):
        owner = None
        if tenant is not None:
            owner = Tenant.objects.filter(slug=tenant, deleted_at__isnull=True).first()
            if owner is None:
                raise CommandError(f"--tenant {tenant}: no such tenant", returncode=2)
        if not file.is_file():
            raise CommandError(f"{file}: no such file", returncode=2)
        try:
            price_file = read_price_file(file, max_bytes=settings.DHARMA_PRICE_FILE_MAX_BYTES)
        except PriceFileError as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{file}: {count} problem(s), nothing imported:\n  " + "\n  ".join(exc.problems),
                returncode=2,
            ) from exc
        created, updated = services.price_catalog_upsert(rows=price_file.rows, tenant=owner)
        self.stdout.write(
            self.style.SUCCESS(f"{file}: {created} price(s) added, {updated} updated.")
        )
