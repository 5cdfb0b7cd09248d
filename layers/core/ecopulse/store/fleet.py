"""The ``Fleet`` port on DynamoDB: vehicles, the positions drivers report and the jobs admins dispatch."""

from collections.abc import Sequence

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ecopulse.fleet import NewVehicle, Vehicle, VehicleExists, VehicleNotFound, VehicleStatus
from ecopulse.paging import Page
from ecopulse.reports import Report, ReportStatus, sources_for
from ecopulse.store import stats
from ecopulse.store.audit import audit_entry
from ecopulse.store.models import ReportItem, VehicleItem, tenant_key, utcnow
from ecopulse.store.pages import paged
from ecopulse.store.reports import stored
from ecopulse.store.transactions import ConcurrentChange, failed_on_condition, transact


def vehicle_of(item: VehicleItem) -> Vehicle:
    return Vehicle(
        vehicle_id=item.vehicle_id,
        name=item.name,
        plate=item.plate,
        capacity_kg=float(item.capacity_kg),
        status=item.status,
        lat=None if item.lat is None else float(item.lat),
        lng=None if item.lng is None else float(item.lng),
        report_id=item.report_id,
        driver_id=item.driver_id,
        updated_at=item.updated_at,
    )


def driver_keys(tenant: str, driver_id: str | None, vehicle_id: str) -> tuple[str | None, str | None]:
    """The vehicle's gsi2 keys: listed under its driver, for the driver's jobs to be read by key."""
    if driver_id is None:
        return None, None
    return tenant_key(tenant, "DRIVER", driver_id), vehicle_id


def _listed_under_driver(item: VehicleItem) -> list[Action]:
    """Indexes a vehicle added before vehicles were listed under their driver, with its next change."""
    if item.driver_id is None or item.gsi2pk is not None:
        return []
    pk, sk = driver_keys(item.tenant, item.driver_id, item.vehicle_id)
    return [VehicleItem.gsi2pk.set(pk), VehicleItem.gsi2sk.set(sk)]


class FleetRepository:
    def add(self, tenant: str, vehicle: NewVehicle) -> Vehicle:
        pk, sk = VehicleItem.keys(tenant, vehicle.vehicle_id)
        item = VehicleItem(
            pk, sk, tenant=tenant, gsi1pk=tenant_key(tenant, "VEHICLES"), gsi1sk=vehicle.vehicle_id,
            vehicle_id=vehicle.vehicle_id, name=vehicle.name, plate=vehicle.plate, capacity_kg=vehicle.capacity_kg,
            driver_id=vehicle.driver_id, lat=vehicle.lat, lng=vehicle.lng,
        )  # fmt: skip
        item.gsi2pk, item.gsi2sk = driver_keys(tenant, vehicle.driver_id, vehicle.vehicle_id)
        try:
            item.save(condition=VehicleItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise VehicleExists(vehicle.vehicle_id) from error
            raise
        return vehicle_of(item)

    def get(self, tenant: str, vehicle_id: str) -> Vehicle:
        return vehicle_of(self._item(tenant, vehicle_id))

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Vehicle]:
        page: Page[VehicleItem] = paged(VehicleItem.gsi1.query, tenant, ("VEHICLES",), limit, cursor)
        return Page([vehicle_of(item) for item in page.items], page.cursor)

    def driven_by(self, tenant: str, driver_id: str) -> Sequence[Vehicle]:
        """Found in the index, read from the table: the index lags it by a moment, and a job dispatched a moment ago
        shows."""
        listed = VehicleItem.gsi2.query(tenant_key(tenant, "DRIVER", driver_id), limit=100)
        return [self.get(tenant, item.vehicle_id) for item in listed]

    def move(self, tenant: str, vehicle_id: str, lat: float, lng: float, status: VehicleStatus | None) -> Vehicle:
        item = self._item(tenant, vehicle_id)
        actions: list[Action] = [
            VehicleItem.lat.set(lat),
            VehicleItem.lng.set(lng),
            VehicleItem.updated_at.set(utcnow()),
            *_listed_under_driver(item),
        ]
        if status:
            actions.append(VehicleItem.status.set(status))
        item.update(actions=actions)
        return vehicle_of(item)

    @staticmethod
    def _item(tenant: str, vehicle_id: str) -> VehicleItem:
        try:
            return VehicleItem.get(*VehicleItem.keys(tenant, vehicle_id), consistent_read=True)
        except DoesNotExist as error:
            raise VehicleNotFound(vehicle_id) from error

    def dispatch(self, tenant: str, vehicle_id: str, report: Report, actor: str, note: str | None) -> None:
        """Assigns the vehicle to the report, both or neither, each only as it was read."""
        vehicle = self._item(tenant, vehicle_id)
        now = utcnow()
        allowed = [status.value for status in sources_for(ReportStatus.DISPATCHED)]
        audit_report = audit_entry(
            tenant, "report", report.report_id, actor, "dispatched", report.status, ReportStatus.DISPATCHED, note
        )
        audit_vehicle = audit_entry(tenant, "vehicle", vehicle_id, actor, "assigned", None, report.report_id)

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                vehicle,
                actions=[
                    VehicleItem.status.set("assigned"),
                    VehicleItem.report_id.set(report.report_id),
                    VehicleItem.updated_at.set(now),
                    *_listed_under_driver(vehicle),
                ],
                condition=VehicleItem.status == "available",
            )
            transaction.update(
                stored(tenant, report),
                actions=[
                    ReportItem.status.set(ReportStatus.DISPATCHED.value),
                    ReportItem.vehicle_id.set(vehicle_id),
                    ReportItem.updated_at.set(now),
                    ReportItem.gsi1pk.set(tenant_key(tenant, "REPORTS", ReportStatus.DISPATCHED.value)),
                ],
                condition=ReportItem.status.is_in(*allowed),
            )
            transaction.save(audit_report)
            transaction.save(audit_vehicle)
            stats.count(transaction, tenant, report.zone, now, reports_dispatched=1)

        try:
            transact(write)
        except TransactWriteError as error:
            if not failed_on_condition(error):
                raise
            raise ConcurrentChange(f"vehicle {vehicle_id} or report {report.report_id} changed") from error

    def release(self, tenant: str, vehicle_id: str, report_id: str) -> None:
        try:
            self._item(tenant, vehicle_id).update(
                actions=[VehicleItem.status.set("available"), VehicleItem.report_id.remove()],
                condition=(VehicleItem.status == "assigned") & (VehicleItem.report_id == report_id),
                add_version_condition=False,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
