"""Pure domain rules of the local acts: no Flask, no database. Every write path
(CRUD views, REST, imports, the journal grid) calls the same functions."""
