"""Environment code: custom tasks registered with Gymnasium under ``rlbench/``.

Importing this package registers ``rlbench/LQR-v0`` (see ``rlbench.tasks.lqr``).
"""

from __future__ import annotations

import gymnasium

LQR_ID = "rlbench/LQR-v0"

if LQR_ID not in gymnasium.registry:  # re-import (or a reload) must not fail
    gymnasium.register(
        id=LQR_ID,
        entry_point="rlbench.tasks.lqr:LQREnv",
        max_episode_steps=300,
    )
