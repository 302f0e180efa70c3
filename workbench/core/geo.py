"""Where the demo borrowers live: provinces, cities, districts, plate prefixes, phone area codes.

Region codes are the real six-digit administrative division codes (GB/T 2260) of each district,
so a generated 身份证 number starts with a code that belongs to the borrower's province, and a
plate starts with the province's abbreviation and the city's letter.
"""

from __future__ import annotations

from dataclasses import dataclass

TZ_SHANGHAI = "Asia/Shanghai"
TZ_URUMQI = "Asia/Urumqi"
UTC_OFFSET_HOURS = {TZ_SHANGHAI: 8, TZ_URUMQI: 6}


@dataclass(frozen=True, slots=True)
class City:
    name: str
    plate_letters: str  # letters a plate of this city may carry after the province abbreviation
    area_code: str  # landline area code
    local_digits: int  # digits of a landline number after the area code
    districts: tuple[tuple[str, str], ...]  # (district name, region code)


@dataclass(frozen=True, slots=True)
class Province:
    name: str
    short: str  # plate abbreviation: 京 沪 粤 …
    code: str  # two letters used in contract numbers: BJ SH GD …
    tz: str
    weight: int  # relative share of borrowers
    cities: tuple[City, ...]


PROVINCES: tuple[Province, ...] = (
    Province("北京市", "京", "BJ", TZ_SHANGHAI, 10, (
        City("北京市", "ABCEFGHJKLMNPQ", "010", 8, (
            ("东城区", "110101"), ("西城区", "110102"), ("朝阳区", "110105"),
            ("丰台区", "110106"), ("海淀区", "110108"), ("通州区", "110112"),
            ("昌平区", "110114"), ("大兴区", "110115"),
        )),
    )),
    Province("上海市", "沪", "SH", TZ_SHANGHAI, 10, (
        City("上海市", "ABCDEFGHJKLMN", "021", 8, (
            ("黄浦区", "310101"), ("徐汇区", "310104"), ("长宁区", "310105"),
            ("静安区", "310106"), ("普陀区", "310107"), ("虹口区", "310109"),
            ("杨浦区", "310110"), ("闵行区", "310112"), ("宝山区", "310113"),
            ("浦东新区", "310115"), ("松江区", "310117"),
        )),
    )),
    Province("广东省", "粤", "GD", TZ_SHANGHAI, 18, (
        City("广州市", "A", "020", 8, (
            ("越秀区", "440104"), ("海珠区", "440105"), ("天河区", "440106"),
            ("白云区", "440111"), ("番禺区", "440113"),
        )),
        City("深圳市", "B", "0755", 8, (
            ("罗湖区", "440303"), ("福田区", "440304"), ("南山区", "440305"),
            ("宝安区", "440306"), ("龙岗区", "440307"),
        )),
        City("佛山市", "EXY", "0757", 8, (
            ("禅城区", "440604"), ("南海区", "440605"), ("顺德区", "440606"),
        )),
        City("东莞市", "S", "0769", 8, (
            ("南城街道", "441900"), ("东城街道", "441900"), ("长安镇", "441900"),
        )),
    )),
    Province("浙江省", "浙", "ZJ", TZ_SHANGHAI, 13, (
        City("杭州市", "A", "0571", 8, (
            ("上城区", "330102"), ("拱墅区", "330105"), ("西湖区", "330106"),
            ("滨江区", "330108"), ("萧山区", "330109"), ("余杭区", "330110"),
        )),
        City("宁波市", "B", "0574", 8, (
            ("海曙区", "330203"), ("江北区", "330205"), ("鄞州区", "330212"),
        )),
        City("温州市", "C", "0577", 8, (("鹿城区", "330302"), ("瓯海区", "330304"))),
    )),
    Province("江苏省", "苏", "JS", TZ_SHANGHAI, 14, (
        City("南京市", "A", "025", 8, (
            ("玄武区", "320102"), ("秦淮区", "320104"), ("建邺区", "320105"),
            ("鼓楼区", "320106"), ("江宁区", "320115"),
        )),
        City("无锡市", "B", "0510", 8, (("梁溪区", "320213"), ("滨湖区", "320211"))),
        City("苏州市", "EU", "0512", 8, (
            ("虎丘区", "320505"), ("吴中区", "320506"), ("相城区", "320507"),
            ("姑苏区", "320508"),
        )),
    )),
    Province("四川省", "川", "SC", TZ_SHANGHAI, 10, (
        City("成都市", "AG", "028", 8, (
            ("锦江区", "510104"), ("青羊区", "510105"), ("金牛区", "510106"),
            ("武侯区", "510107"), ("成华区", "510108"), ("双流区", "510116"),
        )),
        City("绵阳市", "B", "0816", 7, (("涪城区", "510703"), ("游仙区", "510704"))),
    )),
    Province("湖北省", "鄂", "HB", TZ_SHANGHAI, 8, (
        City("武汉市", "A", "027", 8, (
            ("江岸区", "420102"), ("江汉区", "420103"), ("硚口区", "420104"),
            ("武昌区", "420106"), ("洪山区", "420111"),
        )),
        City("宜昌市", "E", "0717", 7, (("西陵区", "420502"), ("伍家岗区", "420503"))),
        City("襄阳市", "F", "0710", 7, (("襄城区", "420602"), ("樊城区", "420606"))),
    )),
    Province("山东省", "鲁", "SD", TZ_SHANGHAI, 12, (
        City("济南市", "A", "0531", 8, (
            ("历下区", "370102"), ("市中区", "370103"), ("槐荫区", "370104"),
            ("历城区", "370112"),
        )),
        City("青岛市", "BU", "0532", 8, (
            ("市南区", "370202"), ("市北区", "370203"), ("黄岛区", "370211"),
            ("崂山区", "370212"),
        )),
        City("烟台市", "FY", "0535", 7, (("芝罘区", "370602"), ("莱山区", "370613"))),
    )),
    Province("新疆维吾尔自治区", "新", "XJ", TZ_URUMQI, 5, (
        City("乌鲁木齐市", "A", "0991", 7, (
            ("天山区", "650102"), ("沙依巴克区", "650103"), ("新市区", "650104"),
            ("水磨沟区", "650105"),
        )),
        City("克拉玛依市", "J", "0990", 7, (("克拉玛依区", "650203"),)),
        City("伊犁哈萨克自治州", "F", "0999", 7, (("伊宁市", "654002"),)),
    )),
)  # fmt: skip

PROVINCE_BY_SHORT = {p.short: p for p in PROVINCES}
PROVINCE_BY_NAME = {p.name: p for p in PROVINCES}

ROADS = (
    "人民路", "解放路", "建设路", "中山路", "和平路", "新华路", "胜利路", "文化路", "长江路",
    "黄河路", "友谊路", "工业路", "光明路", "团结路", "复兴路", "朝阳路", "青年路", "滨河路",
    "南京路", "北京路", "迎宾大道", "科技路", "学府路", "幸福路", "东风路", "花园路", "金桥路",
    "沿江大道", "世纪大道", "振兴路",
)  # fmt: skip

ESTATES = (
    "阳光花园", "锦绣家园", "幸福里", "翠苑小区", "金色家园", "华府名苑", "碧水湾", "绿城小区",
    "东方明珠苑", "和谐家园", "御景园", "新城国际", "滨江花园", "凤凰城", "万科城", "保利花园",
    "恒大名都", "龙湖春江郦城", "中海国际社区", "碧桂园",
)  # fmt: skip
