"""What the portal's browser tests share: the phone's size and the check that
a page fits it without sideways scrolling."""

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
