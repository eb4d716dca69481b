"""Produces 500 records to partition 0 of a topic and reads them back; prints the count, the first two and the last value.
Usage: python3 kafka_python_roundtrip.py BOOTSTRAP TOPIC"""
import sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bs = sys.argv[1]
topic = sys.argv[2]
p = KafkaProducer(bootstrap_servers=bs, acks='all', compression_type='gzip')
for i in range(500):
    p.send(topic, key=b'k%d' % i, value=b'v%d' % i, partition=0)
p.flush()
c = KafkaConsumer(bootstrap_servers=bs, enable_auto_commit=False, consumer_timeout_ms=5000)
tp = TopicPartition(topic, 0)
c.assign([tp]); c.seek_to_beginning(tp)
vals = [m.value for m in c]
print(len(vals), vals[:2], vals[-1])
