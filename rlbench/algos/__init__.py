"""Agent implementations: ARS in NumPy (``ars``) and an adapter over stable-baselines3 (``sb3``)."""
