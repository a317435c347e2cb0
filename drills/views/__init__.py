"""The drills front workspace (mobile-first), one module per concept; drills/urls.py maps them."""
