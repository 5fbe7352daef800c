import json
from dataclasses import dataclass


@dataclass
class Item:
    name: str
    price: float
    quantity: int
    weight: float


def load_items(path):
    with open(path) as handle:
        records = json.load(handle)
    items = []
    for record in records:
        items.append(Item(record["name"], record["price"], record["quantity"], record["weight"]))
    return items


def total_price(items, discount=0.0):
    """The price of every item in the order, after the discount."""
    total = 0.0
    for item in items:
        if item.quantity <= 0:
            continue
        total += item.price * item.quantity
    return total * (1.0 - discount)


def total_weight(items, discount=0.0):
    """The weight of every item in the order, after the discount."""
    total = 0.0
    for item in items:
        if item.quantity <= 0:
