"""Prometheus metrics of the service (`Metrics`), in a registry of its own."""


class Metrics:
    """Prometheus metrics in a registry of this service's own (two apps in one process do not clash)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "triage_http_requests", "HTTP requests by route and status code", ["route", "code"], registry=r
        )
        self.latency = Histogram(
            "triage_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.tickets = Counter("triage_tickets", "Tickets triaged, by status (auto or review)", ["status"], registry=r)
        self.labels = Counter(
            "triage_predicted_labels", "Predicted labels, by enum field and value", ["field", "value"], registry=r
        )
        self.batch_size = Histogram(
            "triage_batch_size",
            "Tickets per engine batch (micro-batching at work)",
            registry=r,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
        )
        self.inference_seconds = Histogram(
            "triage_batch_inference_seconds",
            "Engine wall time per batch",
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
        )
        self.queue = Gauge("triage_queue_tickets", "Tickets waiting for a batch", registry=r)
        self.rejected = Counter("triage_rejected_tickets", "Tickets refused, by reason", ["reason"], registry=r)
        self.failures = Counter("triage_batch_failures", "Engine batches that raised", registry=r)
        self.cancelled = Counter(
            "triage_cancelled_tickets",
            "Queued tickets dropped before decoding: their client disconnected or their request ended",
            registry=r,
        )
        self.ready = Gauge("triage_model_ready", "1 once the model is loaded, else 0", registry=r)
        self.model_info = Gauge("triage_model_info", "The model in service (value 1)", ["model", "version"], registry=r)
        self.drift_psi = Gauge(
            "triage_drift_psi", "PSI of the recent predictions against the reference", ["field", "measure"], registry=r
        )
        self.drift_window = Gauge("triage_drift_window_predictions", "Predictions in the drift window", registry=r)
