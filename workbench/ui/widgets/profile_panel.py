"""Profile and vehicle: the facts an agent checks while greeting the caller."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from workbench.domain.models import Phone, Vehicle
from workbench.domain.pii import mask_phone
from workbench.store.queries import BorrowerView
from workbench.ui.format import age_on, label, safe
from workbench.ui.i18n import t

MUTED = "$text-muted"
Value = Content | str


class ProfilePanel(VerticalScroll):
    """The borrower's profile, then each vehicle financed by their loans, as label/value rows
    (long values wrap inside their column)."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        yield Static(self._overview(), classes="overview")
        yield _fields(self._profile_rows(), id="profile-fields")
        for vehicle in _vehicles(self.view):
            yield Static(Content(t("section.vehicle")), classes="subsection")
            yield _fields(_vehicle_rows(vehicle, self.view), classes="vehicle-fields")

    def on_mount(self) -> None:
        self.border_title = t("section.profile")

    async def show(self, view: BorrowerView) -> None:
        """Show another borrower (or a newer reading): the text changes in place when the
        layout is the same (as many phones and vehicles), else the panel is rebuilt."""
        old, self.view = self.view, view
        if (len(old.borrower.phones), len(_vehicles(old))) != (
            len(view.borrower.phones),
            len(_vehicles(view)),
        ):
            await self.recompose()
            return
        self.query_one(".overview", Static).update(self._overview())
        grids = [self.query_one("#profile-fields", Grid), *self.query(".vehicle-fields")]
        tables = [self._profile_rows(), *(_vehicle_rows(v, view) for v in _vehicles(view))]
        for grid, rows in zip(grids, tables, strict=True):
            cells = list(grid.children)
            for n, (name, value) in enumerate(rows):
                cells[2 * n].update(Content(name))
                cells[2 * n + 1].update(value)

    def _overview(self) -> Content:
        borrower = self.view.borrower
        age = age_on(borrower.birth_date, self.view.as_of)
        return Content.assemble(
            (f"{t('profile.gender')} ", MUTED),
            label("gender", borrower.gender),
            (f"   {t('profile.age')} ", MUTED),
            "—" if age is None else t("profile.age_value", age=age),
            (f"   {t('profile.risk')} ", MUTED),
            (safe(borrower.risk_grade).plain, "bold"),
        )

    def _profile_rows(self) -> list[tuple[str, Value]]:
        borrower = self.view.borrower
        rows = [
            (t("profile.phones") if i == 0 else "", _phone(phone))
            for i, phone in enumerate(borrower.phones)
        ]
        address = borrower.address
        parts = (address.province, address.city, address.district, address.line)
        rows.append((t("profile.address"), Content(" ").join(safe(p) for p in parts if p)))
        rows.append((t("profile.employer"), safe(borrower.employer)))
        return rows


def _fields(rows: list[tuple[str, Value]], **kwargs: str) -> Grid:
    """A two-column grid: dimmed names, then values that wrap within their column."""
    cells: list[Label | Static] = []
    for name, value in rows:
        cells.append(Label(Content(name), classes="field-name"))
        cells.append(Static(value, classes="field-value"))
    return Grid(*cells, classes=f"fields {kwargs.pop('classes', '')}".strip(), **kwargs)


def _phone(phone: Phone) -> Content:
    parts: list[Content | str | tuple[str, str]] = [
        safe(mask_phone(phone.number)),
        (f" {label('phone_kind', phone.kind)}", MUTED),
    ]
    if phone.do_not_call:
        parts.append(" ")
        parts.append((f" {t('phone.dnc')} ", "bold $error on $error 20%"))
    if not phone.consent:
        parts.append(" ")
        parts.append((f" {t('phone.no_consent')} ", "bold $warning on $warning 20%"))
    return Content.assemble(*parts)


def _vehicles(view: BorrowerView) -> list[Vehicle]:
    seen: dict[str, Vehicle] = {}
    for loan in view.loans:
        if loan.vehicle is not None:
            seen.setdefault(loan.vehicle.id, loan.vehicle)
    return list(seen.values())


def _vehicle_rows(vehicle: Vehicle, view: BorrowerView) -> list[tuple[str, Value]]:
    model = Content(" ").join(
        [safe(vehicle.brand), safe(vehicle.model), Content(str(vehicle.year))]
    )
    gps = t("gps.yes") if vehicle.gps_installed else t("gps.no")
    expired = vehicle.insurance_expiry < view.as_of.isoformat()
    return [
        (t("vehicle.plate"), Content.assemble((safe(vehicle.plate).plain, "bold"), "  ", model)),
        (t("vehicle.vin"), Content.assemble(safe(vehicle.vin), (f"   GPS {gps}", MUTED))),
        (
            t("vehicle.lien"),
            Content.assemble(
                label("lien", vehicle.lien_status),
                (f"   {t('vehicle.insurance')} ", MUTED),
                (safe(vehicle.insurance_expiry).plain, "bold $error" if expired else ""),
            ),
        ),
    ]
