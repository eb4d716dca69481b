"""Produces 500 records to partition 0 of a topic and reads them back; prints the count, the first two and the last value.
Usage: python3 confluent_kafka_roundtrip.py BOOTSTRAP TOPIC"""
import sys
from confluent_kafka import Producer, Consumer, TopicPartition
bs = sys.argv[1]
topic = sys.argv[2]
p = Producer({'bootstrap.servers': bs, 'enable.idempotence': True, 'compression.type': 'zstd'})
for i in range(500):
    p.produce(topic, key=b'k%d' % i, value=b'v%d' % i, partition=0)
p.flush(10)
c = Consumer({'bootstrap.servers': bs, 'group.id': 'unused', 'enable.auto.commit': False})
c.assign([TopicPartition(topic, 0, 0)])
got = []
import time
deadline = time.time() + 20
while len(got) < 500 and time.time() < deadline:
    m = c.poll(1.0)
    if m is not None and m.error() is None:
        got.append(m.value())
    elif m is not None:
        print("error", m.error())
print(len(got), got[:2], got[-1] if got else None)
c.close()
