"""Make the composed PDF complete, fit for long-term archiving (PDF/A-2b) and reproducible.

reportlab writes the pages, with an empty form where each chart goes; this step puts each
chart's PDF page into its form, then adds what PDF/A asks of the file as a whole: XMP metadata
that matches the document information and declares the conformance, an sRGB output intent,
and a document ID derived from the content so that equal inputs give equal bytes.
"""
from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Mapping
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path

import pikepdf
from PIL import ImageCms

from bulletin.document.flowables import chart_xobject_name
from bulletin.document.model import DocumentInfo
from bulletin.document.structure import declare_pdfua, drop_null_unicode, write_structure

CHART_XOBJECT_PREFIX = chart_xobject_name("")


def srgb_profile(created: dt.datetime) -> bytes:
    """An sRGB ICC profile, made by Pillow's LittleCMS so that none has to ship with the package.

    LittleCMS dates the profile with the time it makes it (header bytes 24-35); it carries the
    edition's date instead, or equal inputs would not give equal bytes.
    """
    stamp = created.astimezone(dt.timezone.utc)
    profile = bytearray(_lcms_srgb_profile())
    profile[24:36] = struct.pack(">6H", stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    return bytes(profile)


@lru_cache(maxsize=1)
def _lcms_srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_archival(source: Path, target: Path, info: DocumentInfo, created: dt.datetime, producer: str,
                  charts: Mapping[str, Path] | None = None) -> None:
    """Rewrite `source` as PDF/A-2b into `target` with metadata from `info`, dated `created`.

    `charts` maps each chart's name to its one-page PDF, drawn into the chart's form.
    """
    with ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.open(source))
        _place_charts(pdf, charts or {}, stack)
        stamp = created.astimezone(dt.timezone.utc).replace(microsecond=0)
        pdf_date = stamp.strftime("D:%Y%m%d%H%M%SZ")
        pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(
            Title=pikepdf.String(info.title), Author=pikepdf.String(info.author),
            Subject=pikepdf.String(info.subject), Keywords=pikepdf.String(", ".join(info.keywords)),
            Creator=pikepdf.String("bulletin"), Producer=pikepdf.String(producer),
            CreationDate=pikepdf.String(pdf_date), ModDate=pikepdf.String(pdf_date)))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "A" if info.structure is not None else "B"
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
        icc = pdf.make_stream(srgb_profile(stamp))
        icc.N = 3
        pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
            Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=icc)])
        pdf.Root.Lang = pikepdf.String(info.language)
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=info.structure is not None)
        for page in pdf.pages:  # PDF/A: every annotation (the contents' links) is printed, 6.3.2
            for annotation in page.obj.get("/Annots", ()):
                annotation.F = 4
        if info.structure is not None:
            write_structure(pdf, info.structure)
            declare_pdfua(pdf)
        drop_null_unicode(pdf)
        _no_data_ends_in_cr(pdf)
        pdf.save(target, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate, fix_metadata_version=False)
        if _data_ending_in_cr(target):  # an object stream, made by the save: do without them
            pdf.save(target, deterministic_id=True, compress_streams=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.disable, fix_metadata_version=False)


# A stream's data ending in a carriage return, followed by the line feed before "endstream",
# reads as ending at CR LF: a byte shorter than its /Length (PDF/A-2, 6.1.7.1). About one stream in
# 256 would: its data is compressed again, at another level, which gives other bytes.
def _no_data_ends_in_cr(pdf: pikepdf.Pdf) -> None:
    for stream in pdf.objects:
        if (isinstance(stream, pikepdf.Stream) and stream.get("/Filter") == pikepdf.Name.FlateDecode
                and "/DecodeParms" not in stream and stream.read_raw_bytes().endswith(b"\r")):
            data = stream.read_bytes()
            for level in (9, 1, 6, 3):
                packed = zlib.compress(data, level)
                if not packed.endswith(b"\r"):
                    stream.write(packed, filter=pikepdf.Name.FlateDecode)
                    break


def _data_ending_in_cr(path: Path) -> bool:
    with pikepdf.open(path) as pdf:
        return any(isinstance(o, pikepdf.Stream) and o.read_raw_bytes().endswith(b"\r") for o in pdf.objects)


def _place_charts(pdf: pikepdf.Pdf, charts: Mapping[str, Path], stack: ExitStack) -> None:
    """Fill each chart's form with the chart's page, scaled onto the form's box.

    The form keeps its object, so every page that draws it draws the chart. The page's content
    stream is taken as it is, still compressed; its resources are copied over (the chart files
    stay open in `stack` until the document is saved).
    """
    names = {chart_xobject_name(name): name for name in charts}
    forms: dict[str, pikepdf.Stream] = {}
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if resources is not None else None
        for key, form in (xobjects.items() if xobjects is not None else ()):
            if key.startswith(CHART_XOBJECT_PREFIX):
                if key not in names:
                    raise ValueError(f"the document places chart {key[len(CHART_XOBJECT_PREFIX):]!r}, "
                                     "but no file was given for it")
                forms[key] = form
    for key, form in sorted(forms.items()):
        chart = stack.enter_context(pikepdf.open(charts[names[key]]))
        page = chart.pages[0].obj
        contents = page.Contents
        parts = [contents] if isinstance(contents, pikepdf.Stream) else list(contents)
        if len(parts) == 1 and parts[0].get("/Filter") == pikepdf.Name.FlateDecode and "/DecodeParms" not in parts[0]:
            form.write(parts[0].read_raw_bytes(), filter=pikepdf.Name.FlateDecode)  # as it is, compressed
        else:
            form.write(b"\n".join(part.read_bytes() for part in parts))
        x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
        bx0, by0, bx1, by1 = (float(v) for v in form.BBox)
        sx, sy = (bx1 - bx0) / (x1 - x0), (by1 - by0) / (y1 - y0)
        form.BBox = pikepdf.Array([x0, y0, x1, y1])
        form.Matrix = pikepdf.Array([sx, 0, 0, sy, bx0 - x0 * sx, by0 - y0 * sy])
        form.Resources = pdf.copy_foreign(page.Resources)
