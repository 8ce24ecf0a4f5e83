"""Journal operations that read and write the database; decisions come from app/rules/."""
