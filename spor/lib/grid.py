"""A grid of answers typed on one page: a cell per day (and row), saved all or none.

The use diary's week grid (spor/tracking/grid.py), the day team's attendance week
(spor/programmes/forms.py WeekForm) and a parent course's evenings (AttendanceForm) are
all this: cells named after what they answer,
open or closed (a day in the future, a day outside a place), each with the row stored for
it, and a save that writes only what changed.
"""

import dataclasses
import datetime


@dataclasses.dataclass
class Cell:
    day: datetime.date
    name: str  # the form field's name
    text: str = ""  # what the cell shows or was posted with
    open: bool = True  # False: shown, never saved (the future, before birth, no place)
    error: str = ""


def write(model, stored: dict, wanted: dict, compare: tuple, also: tuple = ()) -> int:
    """Bring the stored rows of a grid to the wanted ones, in the caller's transaction.

    `stored` and `wanted` map a cell's key to its row; a wanted None empties the cell. A
    wanted row without a stored one is created; one that differs from the stored row in
    `compare` updates it (with `also`, such as who recorded it); an emptied cell's row is
    deleted; with no `compare` a cell is only there or not (a tick). Returns the number of
    cells changed.
    """
    create, update, delete = [], [], []
    for key, new in wanted.items():
        old = stored.get(key)
        if new is None:
            if old is not None:
                delete.append(old.pk)
        elif old is None:
            create.append(new)
        elif any(getattr(old, f) != getattr(new, f) for f in compare):
            for f in compare + also:
                setattr(old, f, getattr(new, f))
            update.append(old)
    model.objects.bulk_create(create)
    if update:
        model.objects.bulk_update(update, list(compare + also))
    model.objects.filter(pk__in=delete).delete()
    return len(create) + len(update) + len(delete)
