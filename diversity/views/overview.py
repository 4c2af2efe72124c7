"""Dashboard pages (the dashboard issue replaces this first page)."""

from django.shortcuts import render

from votes.models import Member, Round, Submission


def overview(request):
    context = {
        "members": Member.objects.all(),
        "round_count": Round.objects.count(),
        "submission_count": Submission.objects.count(),
    }
    return render(request, "overview.html", context)
