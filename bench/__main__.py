"""`python -m bench`: the query benchmark (bench.run)."""

from bench.run import main

main()
