"""The side panel of settings: dataset, model architecture and training hyperparameters.

It turns its controls into a ModelConfig and a TrainConfig and says which kind of setting changed; it decides
nothing (the window rebuilds or keeps the model). The architecture is locked while a trained model exists, and the
learning rate and beta stay editable while training runs.
"""
from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QRegularExpressionValidator, QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.nn.config import ModelConfig
from core.training.config import TrainConfig

LOCK_NOTE = "Reset to change the architecture"
MODEL_KINDS = (("VAE (variational)", "vae"), ("Autoencoder", "ae"))
ACTIVATIONS = (("ReLU", "relu"), ("Leaky ReLU", "leaky_relu"), ("tanh", "tanh"))
RECONSTRUCTIONS = (("Cross-entropy", "bernoulli"), ("Squared error", "sse"))
OPTIMIZERS = (("Adam", "adam"), ("SGD + momentum", "sgd"))


class LogSpinBox(QDoubleSpinBox):
    """A spin box for values spanning decades (learning rates): shows 3 significant digits, steps 1-2-5."""

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(10)
        self.setRange(minimum, maximum)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int) -> object:
        try:
            value = float(text)
        except ValueError:
            ok = re.fullmatch(r"[0-9]*\.?[0-9]*(e-?[0-9]*)?", text.strip(), flags=re.IGNORECASE) is not None
            return QValidator.State.Intermediate if ok else QValidator.State.Invalid
        in_range = self.minimum() <= value <= self.maximum()
        return QValidator.State.Acceptable if in_range else QValidator.State.Intermediate

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = _next_125(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _next_125(value: float, up: bool) -> float:
    """The next value of the series ..., 1e-3, 2e-3, 5e-3, 1e-2, ... above (or below) ``value``."""
    exponent = math.floor(math.log10(value))
    candidates = sorted(m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5))
    if up:
        return next(c for c in candidates if c > value * (1 + 1e-9))
    return next(c for c in reversed(candidates) if c < value * (1 - 1e-9))


def _set_note(widget: QWidget, note: str, on: bool) -> None:
    """Append ``note`` to the widget's tooltip, or remove it."""
    tooltip = widget.toolTip().removesuffix(" " + note)
    widget.setToolTip(tooltip + (" " + note if on else ""))


def _combo(items: tuple[tuple[str, str], ...], tooltip: str) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    for text, value in items:
        combo.addItem(text, value)
    combo.setToolTip(tooltip)
    return combo


def _select(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class SettingsPanel(QWidget):
    """The form. ``model_config()`` and ``train_config()`` read it; ``set_configs`` fills it without signals."""

    dataset_selected = Signal(str)       # the spec of the dataset chosen in the combo box
    architecture_changed = Signal()      # model kind, sizes, activation, loss, optimizer or seed
    training_changed = Signal()          # batch size, epochs or KL warm-up
    lr_changed = Signal(float)
    beta_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset_combo = QComboBox()
        self.dataset_combo.setToolTip("The images to train on and to show in the latent space.")
        self.dataset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(13)
        self.dataset_button = QToolButton()
        self.dataset_button.setText("…")
        self.dataset_button.setToolTip("Open a dataset from a file or folder, or download full MNIST.")
        self.dataset_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.dataset_button.setMenu(QMenu(self.dataset_button))
        self.dataset_info = QLabel()
        self.dataset_info.setObjectName("hint")
        self.dataset_info.setToolTip("How many training and test images the dataset holds.")
        self.dataset_info.setWordWrap(True)     # a larger dataset's longer line must not widen the panel

        self.kind_combo = _combo(MODEL_KINDS, "An autoencoder learns a code per image; a VAE learns a "
                                              "distribution over codes that you can sample new images from.")
        self.latent_spin = QSpinBox()
        self.latent_spin.setRange(1, 256)
        self.latent_spin.setToolTip("Number of latent dimensions; 2 can be plotted directly.")
        self.hidden_edit = QLineEdit()
        self.hidden_edit.setValidator(QRegularExpressionValidator(r"^\s*(\d{1,5}\s*(,\s*\d{1,5}\s*)*)?,?\s*$"))
        self.hidden_edit.setPlaceholderText("e.g. 512, 256")
        self.hidden_edit.setToolTip("Widths of the encoder's hidden layers, comma-separated; the decoder mirrors "
                                    "them.")
        self.activation_combo = _combo(ACTIVATIONS, "The nonlinearity after each hidden layer.")
        self.reconstruction_combo = _combo(RECONSTRUCTIONS, "How a reconstruction is compared with its image: "
                                                            "pixel-wise (Bernoulli) cross-entropy or half the squared "
                                                            "error.")
        self.lock_label = QLabel(f"{LOCK_NOTE}.")
        self.lock_label.setObjectName("hint")
        self.lock_label.setToolTip("The weights fix the architecture; Reset makes a new model with these settings.")
        self.lock_label.setWordWrap(True)
        self.lock_label.hide()
        self.model_info = QLabel()
        self.model_info.setObjectName("hint")
        self.model_info.setToolTip("Size of the current model.")

        self.optimizer_combo = _combo(OPTIMIZERS, "The update rule: Adam adapts a step size per weight; SGD "
                                                  "uses one learning rate with momentum 0.9.")
        self.lr_spin = LogSpinBox(1e-6, 10.0)
        self.lr_spin.setToolTip("Step size of the optimizer; can be changed while training runs.")
        self.beta_spin = QDoubleSpinBox()
        self.beta_spin.setRange(0.0, 100.0)
        self.beta_spin.setDecimals(2)
        self.beta_spin.setSingleStep(0.1)
        self.beta_spin.setToolTip("Weight of the KL term of the VAE's loss (1 is the ELBO); can be changed while "
                                  "training runs.")
        self.warmup_spin = QSpinBox()
        self.warmup_spin.setRange(0, 10_000)
        self.warmup_spin.setSuffix(" epochs")
        self.warmup_spin.setSpecialValueText("off")
        self.warmup_spin.setToolTip("Raise beta from 0 to its value over these first epochs, so that the VAE learns "
                                    "to reconstruct before the KL term pulls its codes together.")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 8192)
        self.batch_spin.setToolTip("Images per optimisation step.")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 100_000)
        self.epochs_spin.setToolTip("Train until the model has seen the training set this many times in all. "
                                    "Train on a model that has trained them all adds as many again to the total.")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Seeds the initial weights, the order of the images and the VAE's noise, so a "
                                  "run can be repeated exactly.")
        self._running = False
        self._build_layout()
        self.set_configs(ModelConfig(), TrainConfig())
        self._connect()

    def _build_layout(self) -> None:
        self.data_group = data = QGroupBox("Data")
        data_form = QFormLayout(data)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.dataset_combo, 1)
        row.addWidget(self.dataset_button)
        data_form.addRow(self._label("Dataset", self.dataset_combo), row)
        data_form.addRow("", self.dataset_info)

        model = QGroupBox("Model")
        model_form = QFormLayout(model)
        model_form.addRow(self._label("Model", self.kind_combo), self.kind_combo)
        model_form.addRow(self._label("Latent size", self.latent_spin), self.latent_spin)
        model_form.addRow(self._label("Hidden layers", self.hidden_edit), self.hidden_edit)
        model_form.addRow(self._label("Activation", self.activation_combo), self.activation_combo)
        model_form.addRow(self._label("Reconstruction", self.reconstruction_combo), self.reconstruction_combo)
        model_form.addRow(self._label("Optimizer", self.optimizer_combo), self.optimizer_combo)
        model_form.addRow("", self.model_info)
        model_form.addRow(self.lock_label)

        training = QGroupBox("Training")
        training_form = QFormLayout(training)
        training_form.addRow(self._label("Learning rate", self.lr_spin), self.lr_spin)
        training_form.addRow(self._label("Beta (KL weight)", self.beta_spin), self.beta_spin)
        training_form.addRow(self._label("KL warm-up", self.warmup_spin), self.warmup_spin)
        training_form.addRow(self._label("Batch size", self.batch_spin), self.batch_spin)
        training_form.addRow(self._label("Epochs", self.epochs_spin), self.epochs_spin)
        training_form.addRow(self._label("Seed", self.seed_spin), self.seed_spin)

        for form in (data_form, model_form, training_form):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        for group in (data, model, training):
            layout.addWidget(group)
        layout.addStretch(1)

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        label.setToolTip(buddy.toolTip())
        return label

    def _connect(self) -> None:
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_changed)
        for combo in (self.kind_combo, self.activation_combo, self.reconstruction_combo, self.optimizer_combo):
            combo.currentIndexChanged.connect(self.architecture_changed)
        self.kind_combo.currentIndexChanged.connect(self._update_beta_enabled)
        self.latent_spin.valueChanged.connect(self.architecture_changed)
        self.seed_spin.valueChanged.connect(self.architecture_changed)
        self.hidden_edit.editingFinished.connect(self._on_hidden_edit_finished)
        self.batch_spin.valueChanged.connect(self.training_changed)
        self.epochs_spin.valueChanged.connect(self.training_changed)
        self.warmup_spin.valueChanged.connect(self.training_changed)
        self.lr_spin.valueChanged.connect(self.lr_changed)
        self.beta_spin.valueChanged.connect(self.beta_changed)

    # ---- reading and writing the form ------------------------------------------------------------------------
    def hidden_sizes(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.hidden_edit.text().replace(" ", "").split(",") if part)

    def model_config(self) -> ModelConfig:
        """The architecture in the form (raises ValueError for a hidden layer of width 0)."""
        return ModelConfig(kind=self.kind_combo.currentData(), latent_dim=self.latent_spin.value(),
                           hidden=self.hidden_sizes(), activation=self.activation_combo.currentData(),
                           reconstruction=self.reconstruction_combo.currentData())

    def train_config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
                           lr=self.lr_spin.value(), beta=self.beta_spin.value(),
                           optimizer=self.optimizer_combo.currentData(), seed=self.seed_spin.value(),
                           kl_warmup=self.warmup_spin.value())

    def set_configs(self, model: ModelConfig, train: TrainConfig) -> None:
        """Show these settings (without emitting change signals)."""
        widgets = (self.kind_combo, self.latent_spin, self.hidden_edit, self.activation_combo,
                   self.reconstruction_combo, self.optimizer_combo, self.lr_spin, self.beta_spin, self.warmup_spin,
                   self.batch_spin, self.epochs_spin, self.seed_spin)
        for widget in widgets:
            widget.blockSignals(True)
        _select(self.kind_combo, model.kind)
        self.latent_spin.setValue(model.latent_dim)
        self.hidden_edit.setText(", ".join(str(h) for h in model.hidden))
        self._hidden_text = self.hidden_edit.text()
        _select(self.activation_combo, model.activation)
        _select(self.reconstruction_combo, model.reconstruction)
        _select(self.optimizer_combo, train.optimizer)
        self.lr_spin.setValue(train.lr)
        self.beta_spin.setValue(train.beta)
        self.warmup_spin.setValue(train.kl_warmup)
        self.batch_spin.setValue(train.batch_size)
        self.epochs_spin.setValue(train.epochs)
        self.seed_spin.setValue(train.seed)
        for widget in widgets:
            widget.blockSignals(False)
        self._update_beta_enabled()

    def show_epochs(self, total: int, done: int) -> None:
        """Show the total of epochs, which cannot be set below the ``done`` the model has trained (no signals)."""
        self.epochs_spin.blockSignals(True)
        self.epochs_spin.setMinimum(max(done, 1))
        self.epochs_spin.setValue(total)
        self.epochs_spin.blockSignals(False)

    # ---- datasets ---------------------------------------------------------------------------------------------
    def set_dataset_actions(self, actions: list[QAction]) -> None:
        """The actions of the "…" button next to the dataset box (open a file or folder, download)."""
        menu = self.dataset_button.menu()
        menu.clear()
        menu.addActions(actions)

    def add_dataset(self, label: str, spec: str, enabled: bool = True, tooltip: str = "") -> None:
        """Add a choice to the dataset box (once per spec); a disabled one says why in its tooltip."""
        if self.dataset_combo.findData(spec) >= 0:
            return
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.addItem(label, spec)
        index = self.dataset_combo.count() - 1
        if tooltip:
            self.dataset_combo.setItemData(index, tooltip, Qt.ItemDataRole.ToolTipRole)
        if not enabled:
            self.dataset_combo.model().item(index).setEnabled(False)
        self.dataset_combo.blockSignals(False)

    def dataset_spec(self) -> str:
        return self.dataset_combo.currentData() or ""

    def select_dataset(self, spec: str, label: str | None = None) -> None:
        """Show ``spec`` as the current dataset (adding it, named ``label``, if new) without emitting signals."""
        if self.dataset_combo.findData(spec) < 0:
            self.add_dataset(label or spec, spec)
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(spec))
        self.dataset_combo.blockSignals(False)

    def set_dataset_info(self, text: str) -> None:
        self.dataset_info.setText(text)

    def set_dataset_shown(self, shown: bool) -> None:
        """Show the Data group, or hide it (the second run of a comparison trains on the first run's data)."""
        self.data_group.setVisible(shown)

    def set_model_info(self, text: str) -> None:
        self.model_info.setText(text)

    # ---- locking ----------------------------------------------------------------------------------------------
    def set_architecture_locked(self, locked: bool) -> None:
        """Lock the settings the weights depend on, saying how to change them."""
        for widget in (self.kind_combo, self.latent_spin, self.hidden_edit, self.activation_combo,
                       self.reconstruction_combo, self.optimizer_combo):
            widget.setEnabled(not locked)
            _set_note(widget, f"({LOCK_NOTE}.)", locked)
        self.lock_label.setVisible(locked)

    def set_running(self, running: bool) -> None:
        """While training runs only the learning rate and beta can change."""
        self._running = running
        for widget in (self.dataset_combo, self.dataset_button, self.batch_spin, self.epochs_spin, self.seed_spin):
            widget.setEnabled(not running)
            _set_note(widget, "(Stop training to change it.)", running)
        _set_note(self.warmup_spin, "(Stop training to change it.)", running)
        self._update_beta_enabled()

    # ---- slots ------------------------------------------------------------------------------------------------
    def _on_dataset_combo_changed(self, index: int) -> None:
        self.dataset_selected.emit(self.dataset_combo.itemData(index) or "")

    def _on_hidden_edit_finished(self) -> None:
        if self.hidden_edit.text() != self._hidden_text:
            self._hidden_text = self.hidden_edit.text()
            self.architecture_changed.emit()

    def _update_beta_enabled(self) -> None:
        vae = self.kind_combo.currentData() == "vae"
        self.beta_spin.setEnabled(vae)
        self.warmup_spin.setEnabled(vae and not self._running)
