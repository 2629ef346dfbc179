"""`python -m sqlsynth`: the same as the `sqlsynth` command."""

from sqlsynth.cli import main

if __name__ == "__main__":
    main()
