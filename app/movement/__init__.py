"""The movement of students in the database: orders (orders.py) and the movement
book (book.py). The decisions themselves are in app/rules/movement.py."""
