"""The API's pages: `page` and `page_size`, the size capped so that no request can ask for a
whole table at once (`API_PAGE_SIZE` / `API_MAX_PAGE_SIZE`)."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class CappedPagination(PageNumberPagination):
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE
        return super().get_page_size(request)
