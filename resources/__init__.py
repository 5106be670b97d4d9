"""Latent Lab's bundled files: the mnist5k digits and the icon (README.md says where the data comes from).

Installed as the package ``latent_lab_resources`` (pyproject.toml maps it onto this folder), so the app finds these
files through the installed package wherever it is; app/workspace/paths.py holds their paths. No code here.
"""
