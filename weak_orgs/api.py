"""REST API of weak_orgs; registered on /api/v1/ by dangjian.api_urls."""


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""


extra_urls = []
