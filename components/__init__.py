"""Reusable Pulumi components of the SocialClub platform, built from raw pulumi-aws resources."""
