"""The structure tree of a tagged PDF, written with pikepdf from what `tagging` recorded, and
what PDF/UA-1 asks of the file beside it.

Every structure element becomes a /StructElem; marked content is referred to by marked-content
references (page and MCID), link annotations by object references. The parent tree maps each
page's MCIDs, and each annotation, back to its element, as assistive technology walks from the
content to the structure.
"""
from __future__ import annotations

import re

import pikepdf

from bulletin.document.tagging import Annotation, Element, Marked

PDFUA_NAMESPACE = "http://www.aiim.org/pdfua/ns/id/"
# PDF/A admits in the XMP only the schemas it predefines, or those described in it: PDF/UA's is not.
PDFUA_EXTENSION = f"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{PDFUA_NAMESPACE}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="{PDFUA_NAMESPACE}"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
"""


def write_structure(pdf: pikepdf.Pdf, document: Element) -> None:
    """The structure tree of `document`, its parent tree, and each page's and annotation's key."""
    pages = [page.obj for page in pdf.pages]
    by_mcid: dict[int, dict[int, pikepdf.Object]] = {index: {} for index in range(len(pages))}
    by_annotation: list[pikepdf.Object] = []
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))

    def element(node: Element, parent: pikepdf.Object) -> pikepdf.Object:
        made = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name("/" + node.role),
                                                    P=parent))
        kids = pikepdf.Array()
        for kid in node.kids:
            if isinstance(kid, Element):
                kids.append(element(kid, made))
            elif isinstance(kid, Marked):
                kids.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=pages[kid.page], MCID=kid.mcid))
                by_mcid[kid.page][kid.mcid] = made
            elif isinstance(kid, Annotation):
                annotation = pages[kid.page].Annots[kid.index]
                annotation.StructParent = len(pages) + len(by_annotation)
                annotation.Contents = pikepdf.String(node.text or "")
                by_annotation.append(made)
                kids.append(pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=annotation, Pg=pages[kid.page]))
        made.K = kids
        if node.alt is not None:
            made.Alt = pikepdf.String(node.alt)
        if node.scope is not None:
            made.A = pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=pikepdf.Name("/" + node.scope))
        return made

    root.K = element(document, root)
    numbers = pikepdf.Array()
    for index, page in enumerate(pages):
        page.StructParents = index
        if "/Annots" in page:
            page.Tabs = pikepdf.Name.S  # the tab order follows the structure
        marked = by_mcid[index]
        numbers.extend([index, pikepdf.Array([marked[mcid] for mcid in range(len(marked))])])
    for offset, made in enumerate(by_annotation):
        numbers.extend([len(pages) + offset, made])
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=numbers))
    root.ParentTreeNextKey = len(pages) + len(by_annotation)
    pdf.Root.StructTreeRoot = root


def declare_pdfua(pdf: pikepdf.Pdf) -> None:
    """PDF/UA-1 identification in the XMP (with its schema described, as PDF/A asks), and the
    title shown instead of the file name."""
    xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
    xmp = xmp.replace("</rdf:RDF>", PDFUA_EXTENSION + "</rdf:RDF>", 1)
    pdf.Root.Metadata.write(xmp.encode("utf-8"))
    preferences = pdf.Root.get("/ViewerPreferences", pikepdf.Dictionary())
    preferences.DisplayDocTitle = True
    pdf.Root.ViewerPreferences = preferences


_NULL_ENTRY = re.compile(rb"<[0-9A-Fa-f]{2}> <(?:0000|FEFF|FFFE)>\n")


def drop_null_unicode(pdf: pikepdf.Pdf) -> None:
    """Take out of each font's ToUnicode map the codes reportlab maps to U+0000 (the first code of
    every subset, which it never prints): no text maps to U+0000, U+FEFF or U+FFFE (PDF/UA)."""
    for font in _fonts(pdf):
        cmap = font.get("/ToUnicode")
        if cmap is None:
            continue
        data = cmap.read_bytes()
        removed = len(_NULL_ENTRY.findall(data))
        if not removed:
            continue
        data = _NULL_ENTRY.sub(b"", data)
        data = re.sub(rb"(\d+) beginbfchar", lambda m: b"%d beginbfchar" % (int(m.group(1)) - removed), data, count=1)
        cmap.write(data)


def _fonts(pdf: pikepdf.Pdf):
    seen = set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources", {})
        for font in resources.get("/Font", {}).values() if "/Font" in resources else ():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font
        for xobject in resources.get("/XObject", {}).values() if "/XObject" in resources else ():
            xresources = xobject.get("/Resources")
            if xresources is not None and "/Font" in xresources:
                for font in xresources.Font.values():
                    if font.objgen not in seen:
                        seen.add(font.objgen)
                        yield font
