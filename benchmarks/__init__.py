"""newscrawl's benchmarks: ``python -m benchmarks`` runs them all (README "Performance")."""
