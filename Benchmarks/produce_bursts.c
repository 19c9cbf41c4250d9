// Produce bursts through librdkafka's C API, for Benchmarks/broker_load.py (`--c-bursts`).
//
// Why a C client next to confluent-kafka: the Python producer loop costs about 1 µs per record,
// so with it the client, not the broker, sets the pace, and the broker's own cost shows only as
// the few per cent it takes from the client's CPU. Called from C, librdkafka produces two to
// three times faster, and the broker's cost per byte decides much more of the result.
//
//   produce_bursts BOOTSTRAP TOPIC PARTITIONS SIZE
//
// Connects one producer to the broker at BOOTSTRAP and one to a mock cluster it starts in this
// process (test.mock.num.brokers=1, TOPIC created there with PARTITIONS partitions; the topic
// must exist on the broker already), with the same settings as broker_load.py's producers.
// Prints `ready MOCK_BOOTSTRAP`, then for each line `strata N` or `mock N` read from stdin
// produces N records of SIZE bytes to that target in a tight loop (poll every 1,024 records),
// flushes, and prints the seconds it took. Exits 0 at the end of input; on any error prints it
// to stderr and exits 1.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int delivery_errors;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    (void)opaque;
    if (message->err) {
        if (delivery_errors++ == 0) fprintf(stderr, "produce_bursts: delivery failed: %s\n", rd_kafka_err2str(message->err));
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what, const char *why) {
    fprintf(stderr, "produce_bursts: %s: %s\n", what, why);
    exit(1);
}

static rd_kafka_t *new_producer(const char *bootstrap, int owns_mock) {
    // the producer settings of broker_load.py's PRODUCER_CONFIG
    const char *settings[][2] = {
        {"bootstrap.servers", bootstrap},
        {"acks", "1"},
        {"linger.ms", "5"},
        {"compression.type", "none"},
        {"queue.buffering.max.messages", "1000000"},
        {"queue.buffering.max.kbytes", "1048576"},
        {"enable.idempotence", "false"},
        {owns_mock ? "test.mock.num.brokers" : NULL, "1"},
    };
    char error[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (settings[i][0] && rd_kafka_conf_set(conf, settings[i][0], settings[i][1], error, sizeof error) != RD_KAFKA_CONF_OK)
            fail(settings[i][0], error);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!producer) fail("creating a producer", error);
    return producer;
}

/// Waits until the producer knows TOPIC with a leader for every partition, so that connecting
/// is not timed.
static void await_topic(rd_kafka_t *producer, rd_kafka_topic_t *topic, int partitions) {
    for (int attempt = 0; attempt < 100; attempt++) {
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(producer, 0, topic, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            int ready = md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt == partitions;
            for (int p = 0; ready && p < md->topics[0].partition_cnt; p++) ready = md->topics[0].partitions[p].leader >= 0;
            rd_kafka_metadata_destroy(md);
            if (ready) return;
        }
        rd_kafka_poll(producer, 100);
    }
    fail(rd_kafka_topic_name(topic), "no metadata with a leader for every partition");
}

static double burst(rd_kafka_t *producer, rd_kafka_topic_t *topic, long records, const char *payload, int size) {
    double start = now();
    for (long i = 0; i < records; i++) {
        while (rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)payload, size, NULL, 0, NULL) != 0) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail("produce", rd_kafka_err2str(rd_kafka_last_error()));
            rd_kafka_poll(producer, 1);
        }
        if ((i & 1023) == 0) rd_kafka_poll(producer, 0);
    }
    if (rd_kafka_flush(producer, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("flush", "records still undelivered after 120 s");
    double elapsed = now() - start;
    if (delivery_errors) fail("burst", "delivery errors (see above)");
    return elapsed;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: produce_bursts BOOTSTRAP TOPIC PARTITIONS SIZE\n");
        return 2;
    }
    const char *bootstrap = argv[1], *name = argv[2];
    int partitions = atoi(argv[3]), size = atoi(argv[4]);
    if (partitions < 1 || size < 1) fail("arguments", "PARTITIONS and SIZE must be positive");
    char *payload = malloc(size);
    srand(1);
    for (int i = 0; i < size; i++) payload[i] = (char)rand();

    rd_kafka_t *owner = new_producer("unused:1", 1);
    rd_kafka_mock_cluster_t *cluster = rd_kafka_handle_mock_cluster(owner);
    if (!cluster) fail("mock cluster", "not started");
    if (rd_kafka_mock_topic_create(cluster, name, partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("mock topic", name);
    const char *mock_bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);

    rd_kafka_t *strata = new_producer(bootstrap, 0), *mock = new_producer(mock_bootstrap, 0);
    rd_kafka_topic_t *strata_topic = rd_kafka_topic_new(strata, name, NULL), *mock_topic = rd_kafka_topic_new(mock, name, NULL);
    await_topic(strata, strata_topic, partitions);
    await_topic(mock, mock_topic, partitions);
    printf("ready %s\n", mock_bootstrap);
    fflush(stdout);

    char line[128], target[16];
    long records;
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%15s %ld", target, &records) != 2 || records < 1) fail("command", line);
        double seconds;
        if (strcmp(target, "strata") == 0) seconds = burst(strata, strata_topic, records, payload, size);
        else if (strcmp(target, "mock") == 0) seconds = burst(mock, mock_topic, records, payload, size);
        else fail("unknown target", target);
        printf("%.6f\n", seconds);
        fflush(stdout);
    }
    rd_kafka_topic_destroy(strata_topic);
    rd_kafka_topic_destroy(mock_topic);
    rd_kafka_destroy(strata);
    rd_kafka_destroy(mock);
    rd_kafka_destroy(owner);
    free(payload);
    return 0;
}
