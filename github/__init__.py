"""The GitHub repository's delivery settings as a Pulumi program of its own (see README.md here)."""
