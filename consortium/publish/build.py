"""Build every file of one package version and validate its OCDS before anyone may store it."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.publish import bundle, csv_forms, ocds, pdf
from consortium.publish.inputs import PackageInput
from consortium.publish.validate import validate_release_package

PDF_NAME = "bid-package.pdf"
PRICE_FORM_NAME = "price-form.csv"
SCHEDULE_NAME = "delivery-schedule.csv"
OCDS_NAME = "ocds-release-package.json"
ZIP_NAME = "bid-package.zip"

MEDIA_TYPES = {
    PDF_NAME: "application/pdf",
    PRICE_FORM_NAME: "text/csv; charset=utf-8",
    SCHEDULE_NAME: "text/csv; charset=utf-8",
    OCDS_NAME: "application/json",
    ZIP_NAME: "application/zip",
}
FILE_ORDER = (PDF_NAME, PRICE_FORM_NAME, SCHEDULE_NAME, OCDS_NAME, ZIP_NAME)


@dataclass(frozen=True)
class BuiltPackage:
    """The files of one version (name -> bytes, ZIP last) and the SHA-256 of its manifest."""

    input: PackageInput
    files: dict[str, bytes]
    ocds: dict
    manifest: bytes

    @property
    def manifest_sha256(self) -> str:
        """The hash that identifies the whole version."""
        return bundle.sha256(self.manifest)

    def sha256(self, name: str) -> str:
        """The SHA-256 of one file."""
        return bundle.sha256(self.files[name])


def build_package(pkg: PackageInput, *, validate: bool = True) -> BuiltPackage:
    """Build the PDF, CSVs, OCDS JSON and ZIP; raises InvalidPackage if the OCDS is invalid."""
    release_package = ocds.release_package(pkg)
    if validate:
        validate_release_package(release_package)
    files = {
        PDF_NAME: pdf.package_pdf(pkg),
        PRICE_FORM_NAME: csv_forms.price_form_csv(pkg),
        SCHEDULE_NAME: csv_forms.delivery_schedule_csv(pkg),
        OCDS_NAME: ocds.to_bytes(release_package),
    }
    manifest = bundle.manifest_json(files)
    files[ZIP_NAME] = bundle.zip_bytes(files, folder=f"{pkg.ocid}-v{pkg.version}")
    return BuiltPackage(input=pkg, files=files, ocds=release_package, manifest=manifest)
