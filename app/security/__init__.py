"""Who may see and do what: roles, rights and the school segment."""
