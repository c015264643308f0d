"""Writing millions of rows: plain tuples through COPY (PostgreSQL) or executemany (SQLite), and
the tally rebuilt from the records in one statement."""

from datetime import datetime

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from orglife.models import Activity, ActivityKind, ActivityTally, Attendance

FLUSH_ROWS = 100_000
ACTIVITY_FIELDS = (
    "id", "organization", "kind", "hearing_body", "status", "starts_at", "ends_at", "held_on", "place",
    "topic", "agenda", "host", "speaker", "speaker_name", "speaker_is_secretary", "minutes",
    "resolutions", "counts", "invalid_reason", "signin_token", "signin_opens_at", "signin_closes_at",
    "created_by", "created_at", "updated_at", "cancel_reason",
)  # fmt: skip
ATTENDANCE_FIELDS = (
    "activity", "member", "guest_name", "role", "status", "leave_reason", "signed_in_at", "corrected_by",
)  # fmt: skip


class Writer:
    """Buffers plain tuples and writes them with COPY (PostgreSQL) or executemany (SQLite)."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.db_zone = connection.timezone
        self.last_id = Activity.objects.aggregate(last=Max("id"))["last"] or 0
        self.activities, self.attendances = [], []
        self.written = {"activities": 0, "attendance": 0}

    def when(self, value):
        """Datetimes and dates as the backend stores them (SQLite: naive text in the database's
        zone, as connection.ops.adapt_datetimefield_value gives, without its per-call overhead)."""
        if self.postgres or value is None:
            return value
        if isinstance(value, datetime):
            return str(value.astimezone(self.db_zone).replace(tzinfo=None))
        return str(value)

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def add(self, activity: tuple, attendances: list) -> None:
        self.activities.append(activity)
        self.attendances += attendances
        if len(self.attendances) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        _insert(Activity, ACTIVITY_FIELDS, self.activities)
        _insert(Attendance, ATTENDANCE_FIELDS, self.attendances)
        self.written["activities"] += len(self.activities)
        self.written["attendance"] += len(self.attendances)
        self.activities, self.attendances = [], []

    def finish(self) -> None:
        self.flush()
        # Ids were given explicitly: move PostgreSQL's sequence past them (SQLite follows by itself).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Activity]):
                cursor.execute(sql)


def _insert(model, fields, rows) -> None:
    """Rows of plain tuples in `fields` order; any other column gets the field's default."""
    if not rows:
        return
    named = [model._meta.get_field(name) for name in fields]
    rest = [f for f in model._meta.concrete_fields if f not in named and not f.primary_key]
    if rest:  # a column added to the model since this generator was written
        tail = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        rows = [row + tail for row in rows]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in named + rest)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(named) + len(rest)))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


MONTH_SQL = {
    "sqlite": "date({}, 'start of month')",
    "postgresql": "CAST(DATE_TRUNC('month', {}) AS date)",
}


def rebuild_tally() -> int:
    """ActivityTally from the records in one statement, counting what refresh_tally counts:
    completed activities that count, per organization, month, kind and hearing body, and the
    party lessons given by the organization's secretary."""
    quote = connection.ops.quote_name
    act, tally = Activity._meta, ActivityTally._meta

    def col(meta, name):
        return quote(meta.get_field(name).column)

    month = MONTH_SQL[connection.vendor].format(col(act, "held_on"))
    keys = ", ".join([col(act, "organization"), month, col(act, "kind"), col(act, "hearing_body")])
    target = ", ".join(
        col(tally, name)
        for name in ("organization", "month", "kind", "hearing_body", "count", "secretary_lessons")
    )
    sql = (
        f"INSERT INTO {quote(tally.db_table)} ({target}) "
        f"SELECT {keys}, COUNT(*), "
        f"SUM(CASE WHEN {col(act, 'kind')} = %s AND {col(act, 'speaker_is_secretary')} THEN 1 ELSE 0 END) "
        f"FROM {quote(act.db_table)} WHERE {col(act, 'status')} = %s AND {col(act, 'counts')} "
        f"GROUP BY {keys}"
    )
    ActivityTally.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, [ActivityKind.PARTY_LESSON, Activity.Status.COMPLETED])
    return ActivityTally.objects.count()


def analyze() -> None:
    """Fresh planner statistics after the bulk load: autovacuum would only get to it minutes later,
    and until then PostgreSQL plans pages over millions of rows as if the tables were empty."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
