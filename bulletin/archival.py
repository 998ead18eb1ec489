"""Make the composed PDF fit for long-term archiving (PDF/A-2b) and reproducible.

reportlab writes the pages; this step adds what PDF/A asks of the file as a whole: XMP metadata
that matches the document information and declares the conformance, an sRGB output intent,
and a document ID derived from the content so that equal inputs give equal bytes.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pikepdf

from .document import DocumentInfo


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """An sRGB ICC profile, made by Pillow's LittleCMS so that none has to ship with the package."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_archival(source: Path, target: Path, info: DocumentInfo, created: dt.datetime, producer: str) -> None:
    """Rewrite `source` as PDF/A-2b into `target` with metadata from `info`, dated `created`."""
    with pikepdf.open(source) as pdf:
        stamp = created.astimezone(dt.timezone.utc).replace(microsecond=0)
        pdf_date = stamp.strftime("D:%Y%m%d%H%M%SZ")
        pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(
            Title=pikepdf.String(info.title), Author=pikepdf.String(info.author),
            Subject=pikepdf.String(info.subject), Keywords=pikepdf.String(", ".join(info.keywords)),
            Creator=pikepdf.String("bulletin"), Producer=pikepdf.String(producer),
            CreationDate=pikepdf.String(pdf_date), ModDate=pikepdf.String(pdf_date)))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["dc:title"] = info.title
            meta["dc:creator"] = [info.author]
            meta["dc:description"] = info.subject
            meta["dc:language"] = {info.language}
            meta["pdf:Keywords"] = ", ".join(info.keywords)
            meta["pdf:Producer"] = producer
            meta["xmp:CreatorTool"] = "bulletin"
            iso = stamp.isoformat().replace("+00:00", "Z")
            meta["xmp:CreateDate"] = iso
            meta["xmp:ModifyDate"] = iso
            meta["xmp:MetadataDate"] = iso
        icc = pdf.make_stream(srgb_profile())
        icc.N = 3
        pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
            Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=icc)])
        pdf.Root.Lang = pikepdf.String(info.language)
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=False)
        pdf.save(target, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate, fix_metadata_version=False)
