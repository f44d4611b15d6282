"""The service pages, by sub-domain: departments (`departments.py`), 意见诉求
(`service_requests.py`), 建言 (`suggestions.py`); the guards and the person
picker both use in `common.py`."""
