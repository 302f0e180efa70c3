"""Profile and vehicle: the facts an agent checks while greeting the caller."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from workbench.domain.models import Phone, Vehicle
from workbench.domain.pii import mask_phone
from workbench.store.queries import BorrowerView
from workbench.ui.format import age_on, label, safe
from workbench.ui.i18n import t
from workbench.ui.widgets.fact_list import FactList, Row

MUTED = "$text-muted"


class ProfilePanel(VerticalScroll):
    """The borrower's profile, then each vehicle financed by their loans, as label/value rows
    (long values wrap inside their column)."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        yield FactList(self._overview(), self._profile_rows(), id="profile-fields")
        for vehicle in _vehicles(self.view):
            yield _vehicle_facts(vehicle, self.view)

    def on_mount(self) -> None:
        self.border_title = t("section.profile")

    async def show(self, view: BorrowerView) -> None:
        """Show another borrower (or a newer reading) in place: a vehicle more than any shown
        before is added, one fewer is hidden (kept for the next borrower who has it)."""
        self.view = view
        self.query_one("#profile-fields", FactList).update(self._overview(), self._profile_rows())
        vehicles = _vehicles(view)
        shown = list(self.query(".vehicle-fields").results(FactList))
        for n, facts in enumerate(shown):
            if n < len(vehicles):
                facts.update(Content(t("section.vehicle")), _vehicle_rows(vehicles[n], view))
            facts.display = n < len(vehicles)
        if len(vehicles) > len(shown):
            await self.mount_all(_vehicle_facts(v, view) for v in vehicles[len(shown) :])

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

    def _profile_rows(self) -> list[Row]:
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


def _vehicle_facts(vehicle: Vehicle, view: BorrowerView) -> FactList:
    """A vehicle's section: its title, then its rows."""
    rows = _vehicle_rows(vehicle, view)
    return FactList(Content(t("section.vehicle")), rows, section=True, classes="vehicle-fields")


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


def _vehicle_rows(vehicle: Vehicle, view: BorrowerView) -> list[Row]:
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
