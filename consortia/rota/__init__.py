"""Weekend cross-cover rota: turn each consortium's pooled capacity into named weekend duties.

``model`` holds the rota program (its rules as named ``rule_*`` functions, one builder for the
rota and one for the gaps program of a diagnosis), ``diagnosis`` reads a failed consortium's
gaps back as plain words, ``roster`` runs every consortium, ``io`` reads the plan folder and
writes the rota files, ``check`` re-verifies them independently and ``figure`` draws rota.png.
"""

from .check import check_rota
from .io import RotaRejected, load_tasks, rules_from, write_rota
from .model import ConsortiumRota, Rota, RotaRules, RotaRun, Task
from .roster import roster, solve_rota

__all__ = ["solve_rota", "write_rota", "check_rota", "load_tasks", "rules_from", "roster", "Rota", "RotaRules",
           "RotaRun", "ConsortiumRota", "Task", "RotaRejected"]
