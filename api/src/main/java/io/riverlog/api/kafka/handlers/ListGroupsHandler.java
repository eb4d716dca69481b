package io.riverlog.api.kafka.handlers;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ListGroupsRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.GroupListing;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.ListGroups;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * ListGroups: every group, filtered by state (version 4 on) and type (version 5 on): {@code classic},
 * or {@code consumer} for groups of the consumer group protocol (KIP-848).
 */
final class ListGroupsHandler implements KafkaRequestHandler {
    private static final short FIRST_VERSION_WITH_STATE = 4;
    private static final short FIRST_VERSION_WITH_TYPE = 5;
    /** As Kafka brokers spell it; clients parse it ignoring case. */
    private static final String CLASSIC = GroupType.CLASSIC.name().toLowerCase(Locale.ROOT);
    private static final String CONSUMER = GroupType.CONSUMER.name().toLowerCase(Locale.ROOT);

    private final BrokerGroups groups;

    ListGroupsHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ListGroupsRequestData data = request.bodyAs(ListGroupsRequest.class).data();
        short version = request.apiVersion();
        Set<String> states = lowerCase(data.statesFilter());
        Set<String> types = lowerCase(data.typesFilter());
        return groups.<GroupListing>ask(ListGroups::new).handle((listing, failure) -> {
            GroupListing answer = failure == null ? listing
                    : new GroupListing(GroupError.COORDINATOR_NOT_AVAILABLE, List.of());
            ListGroupsResponseData out = new ListGroupsResponseData().setThrottleTimeMs(0)
                    .setErrorCode(KafkaErrors.of(answer.error()).code());
            for (GroupOverview group : answer.groups()) {
                String type = group.consumerProtocol() ? CONSUMER : CLASSIC;
                if (!(types.isEmpty() || types.contains(type)) || !(states.isEmpty()
                        || states.contains(group.state().displayName().toLowerCase(Locale.ROOT)))) {
                    continue;
                }
                ListedGroup listed = new ListedGroup().setGroupId(group.groupId())
                        .setProtocolType(group.protocolType());
                if (version >= FIRST_VERSION_WITH_STATE) {
                    listed.setGroupState(group.state().displayName());
                }
                if (version >= FIRST_VERSION_WITH_TYPE) {
                    listed.setGroupType(type);
                }
                out.groups().add(listed);
            }
            return Optional.of(out);
        });
    }

    private static Set<String> lowerCase(List<String> values) {
        return values == null ? Set.of()
                : values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }
}
