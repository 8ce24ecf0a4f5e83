"""The demo school and generated benchmark schools.

`seed_demo()` builds «МБОУ СОШ № 1», a Russian general school in the 2026/2027
year: its calendar and dictionaries, staff, about 500 students with their
guardians, the curriculum, the timetable and the class journal up to today,
and one login per role (DEMO_ACCOUNTS). `generate_schools()` builds more
schools of the same shape, scaled to a number of students, for benchmarks.

The package sits above the app (it uses the app's models, and app/rules for every
decision a rule makes, such as the suggested period mark); only the command line
(app/cli.py) calls it. Its modules, in the order a school is built:

- catalog, topics, names: data (calendar, dictionaries, curriculum, topics, names);
- plans: what a school will hold before it is written; rows: the bulk INSERTs;
- school, people, timetable, movement: the school, its staff, students and families,
  subject groups and timetable, students who arrive and leave;
- journal: lessons, marks, attendance and period marks up to the school's date;
- staff_files, logins: personal files, the demo logins and their first messages;
- generate: a whole school end to end, `seed_demo` and `generate_schools`.
"""
from demo.generate import generate_schools, seed_demo
from demo.logins import DEMO_ACCOUNTS

__all__ = ["DEMO_ACCOUNTS", "generate_schools", "seed_demo"]
