from django.urls import path

from competitions import views

app_name = "competitions"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("<int:pk>/leaderboard.json", views.leaderboard_json, name="leaderboard-json"),
    path("<int:pk>/judge/", views.judge_home, name="judge"),
    path("<int:pk>/judge/<int:team_pk>/", views.judge_team, name="judge-team"),
    path("<int:pk>/judge/<int:team_pk>/<int:item_pk>/", views.judge_score, name="judge-score"),
]
