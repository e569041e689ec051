from django.urls import path

from . import views

urlpatterns = [
    path("log/checkpoint/", views.CheckpointView.as_view(), name="log-checkpoint"),
    path("log/key/", views.VerifierKeyView.as_view(), name="log-key"),
    path("log/checkpoints/", views.CheckpointHistoryView.as_view(), name="log-checkpoints"),
    path("log/proofs/inclusion/", views.InclusionProofView.as_view(), name="log-inclusion-proof"),
    path("log/proofs/consistency/", views.ConsistencyProofView.as_view(), name="log-consistency-proof"),
]
