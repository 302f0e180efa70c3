"""Demo vehicles: makes with their real world manufacturer identifiers (WMI), VINs, plates.

A VIN is WMI (3) + descriptor (5) + check digit (ISO 3779 / GB 16735) + model year + plant +
serial (6). Plates are the province abbreviation, the city letter, "·", then five characters,
or six for a green new-energy plate (D… pure electric, F… plug-in hybrid).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from random import Random

from workbench.domain.checkdigits import vin_check_digit

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
YEAR_CODES = {
    2010: "A", 2011: "B", 2012: "C", 2013: "D", 2014: "E", 2015: "F", 2016: "G", 2017: "H",
    2018: "J", 2019: "K", 2020: "L", 2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S",
    2026: "T", 2027: "V",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Make:
    wmi: str
    brand: str
    models: tuple[str, ...]
    price_wan: tuple[int, int]  # typical price range in ¥10,000
    energy: str = ""  # "" petrol, "D" pure electric, "F" plug-in hybrid
    weight: int = 10


MAKES: tuple[Make, ...] = (
    Make("LSV", "上汽大众", ("朗逸", "帕萨特", "途观L", "途岳"), (10, 28), weight=16),
    Make("LFV", "一汽-大众", ("速腾", "迈腾", "宝来", "探岳"), (10, 30), weight=16),
    Make("LFV", "一汽-大众奥迪", ("A4L", "A6L", "Q5L"), (30, 50), weight=5),
    Make("LGB", "东风日产", ("轩逸", "天籁", "奇骏"), (9, 25), weight=10),
    Make("LVS", "长安福特", ("福克斯", "蒙迪欧", "锐界"), (10, 30), weight=5),
    Make("LSG", "上汽通用别克", ("英朗", "君越", "GL8"), (10, 35), weight=9),
    Make("LSG", "上汽通用凯迪拉克", ("CT5", "XT5"), (28, 45), weight=2),
    Make("LBV", "华晨宝马", ("3系", "5系", "X3"), (30, 55), weight=5),
    Make("LE4", "北京奔驰", ("C级", "E级", "GLC"), (32, 60), weight=5),
    Make("LGX", "比亚迪", ("秦PLUS DM-i", "宋PLUS DM-i"), (10, 18), "F", 10),
    Make("LGX", "比亚迪", ("汉EV", "元PLUS", "海豚"), (10, 25), "D", 6),
    Make("LRW", "特斯拉", ("Model 3", "Model Y"), (23, 33), "D", 6),
    Make("LB3", "吉利", ("星瑞", "博越", "帝豪"), (7, 16), weight=9),
    Make("LVG", "广汽丰田", ("凯美瑞", "汉兰达", "雷凌"), (12, 30), weight=6),
    Make("LHG", "广汽本田", ("雅阁", "缤智", "型格"), (12, 25), weight=6),
    Make("LGW", "长城汽车", ("哈弗H6", "哈弗大狗"), (9, 16), weight=6),
)  # fmt: skip

MAKE_CUM = tuple(accumulate(m.weight for m in MAKES))


def make_vin(rng: Random, make: Make, year: int) -> str:
    """A VIN for ``make`` and model ``year`` with a valid check digit in position 9."""
    descriptor = "".join(rng.choices(VIN_CHARS, k=5))
    plant = rng.choice(VIN_CHARS[:23])
    serial = f"{rng.randrange(1_000_000):06d}"
    draft = f"{make.wmi}{descriptor}0{YEAR_CODES.get(year, 'R')}{plant}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def make_plate(rng: Random, short: str, city_letters: str, energy: str) -> str:
    """A plate such as ``粤B·3K7Q2`` or, for a new-energy car, ``粤B·D12345``."""
    prefix = f"{short}{rng.choice(city_letters)}·"
    if energy:
        second = rng.choice(PLATE_LETTERS) if rng.random() < 0.3 else str(rng.randrange(10))
        return f"{prefix}{energy}{second}{rng.randrange(10_000):04d}"
    digits = [str(d) for d in rng.choices(range(10), k=5)]
    letters = rng.random()
    if letters < 0.55:
        digits[rng.randrange(5)] = rng.choice(PLATE_LETTERS)
    elif letters < 0.8:
        digits[0] = rng.choice(PLATE_LETTERS)
        digits[rng.randrange(1, 5)] = rng.choice(PLATE_LETTERS)
    return prefix + "".join(digits)
