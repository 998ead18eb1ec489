"""Matplotlib's PDF backend as the charts use it: text as outlines, short coordinates, no dates.

Imported only when a chart is drawn (in the worker processes, mostly): the backend and the
figure machinery take twice as long to import as what laying the charts out needs.
"""
from __future__ import annotations

from matplotlib import _path as _mpl_path
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfFile, RendererPdf, Verbatim
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2D

from .charts import _metrics, _outline


class OutlineRendererPdf(RendererPdf):
    """Matplotlib's PDF renderer, writing each string as one filled outline: no fonts in the file.

    Strings are measured as the outlines are made (unhinted, from the font file), the same
    measure `charts` lays the charts out with (`charts._metrics`).
    """

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        size = self.points_to_pixels(prop.get_size_in_points())
        verts, codes = _outline(prop.copy(), s, ismath)
        transform = Affine2D().scale(size / self._text2path.FONT_SCALE).rotate_deg(angle).translate(x, y)
        gc.set_linewidth(0.0)
        self.draw_path(gc, MplPath(verts, codes), transform, rgbFace=gc.get_rgb())

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath == "TeX":
            return super().get_text_width_height_descent(s, prop, ismath)
        return _metrics(prop.copy(), s, ismath)


class ShortPdfFile(PdfFile):
    """Path coordinates with two decimals (0.01 pt): six only made the files larger."""

    @staticmethod
    def pathOperations(path, transform, clip=None, simplify=None, sketch=None):
        return [Verbatim(_mpl_path.convert_to_string(path, transform, clip, simplify, sketch, 2,
                                                     [b"m", b"l", b"", b"c", b"h"], True))]


# Nothing in the file depends on when or with which matplotlib it was drawn.
PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


class OutlineFigureCanvas(FigureCanvasPdf):
    def print_pdf(self, filename, *, bbox_inches_restore=None, metadata=None, **_other_savefig_options):
        self.figure.dpi = 72
        width, height = self.figure.get_size_inches()
        file = ShortPdfFile(filename, metadata=PDF_METADATA)
        try:
            file.newPage(width, height)
            renderer = MixedModeRenderer(self.figure, width, height, 72, OutlineRendererPdf(file, 72, height, width),
                                         bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()
            file.finalize()
        finally:
            file.close()
