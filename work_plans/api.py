"""REST API of work_plans; registered on /api/v1/ by dangjian.api_urls."""


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""


extra_urls = []
